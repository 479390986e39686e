/* eslint-disable @typescript-eslint/no-require-imports */
import fs from 'node:fs';
import path from 'node:path';
import { ClusterError, type KubeObject } from '../core/cluster';

/**
 * Schema validation with kubernetes-models (typed models generated from the Kubernetes and
 * Argo CD OpenAPI schemas). Those packages are ESM-only with import-only `exports`, so they
 * are loaded lazily: by name (jest maps the names, see package.json), else by absolute file
 * path (Node 22 `require(esm)`). If they cannot be loaded, validation is skipped.
 */
type ModelCtor = new (data: unknown) => { validate(): void };

const MODULES: Record<string, [pkg: string, subpath: string]> = {
  v1: ['kubernetes-models', 'v1'],
  'apps/v1': ['kubernetes-models', 'apps/v1'],
  'batch/v1': ['kubernetes-models', 'batch/v1'],
  'autoscaling/v2': ['kubernetes-models', 'autoscaling/v2'],
  'autoscaling/v1': ['kubernetes-models', 'autoscaling/v1'],
  'networking.k8s.io/v1': ['kubernetes-models', 'networking.k8s.io/v1'],
  'policy/v1': ['kubernetes-models', 'policy/v1'],
  'argoproj.io/v1alpha1': [
    '@kubernetes-models/argo-cd',
    'argoproj.io/v1alpha1',
  ],
};

const loaded = new Map<string, Record<string, ModelCtor> | null>();

function packageDir(pkg: string): string | undefined {
  for (const dir of require.resolve.paths(pkg) ?? []) {
    const candidate = path.join(dir, pkg);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
  }
  return undefined;
}

function loadGroup(apiVersion: string): Record<string, ModelCtor> | null {
  if (loaded.has(apiVersion)) return loaded.get(apiVersion)!;
  const entry = MODULES[apiVersion];
  let mod: Record<string, ModelCtor> | null = null;
  if (entry) {
    const [pkg, sub] = entry;
    try {
      mod = require(`${pkg}/${sub}`);
    } catch {
      try {
        const dir = packageDir(pkg);
        if (dir) mod = require(path.join(dir, sub, 'index.js'));
      } catch {
        mod = null;
      }
    }
  }
  loaded.set(apiVersion, mod);
  return mod;
}

/** The kubernetes-models class for an object, when one exists and loads. */
export function modelFor(
  apiVersion: string,
  kind: string,
): ModelCtor | undefined {
  const mod = loadGroup(apiVersion);
  const ctor = mod?.[kind];
  return typeof ctor === 'function' ? ctor : undefined;
}

/** Throws 422 Invalid (like the API server) when the object does not match its schema. */
export function validateObject(obj: KubeObject) {
  const Model = modelFor(obj.apiVersion, obj.kind);
  if (!Model) return;
  try {
    new Model(obj).validate();
  } catch (e: any) {
    const causes = Array.isArray(e?.errors)
      ? e.errors.slice(0, 10).map((x: any) => ({
          reason: 'FieldValueInvalid',
          message: x.message,
          field: String(x.instancePath ?? '')
            .replace(/^\//, '')
            .replace(/\//g, '.'),
        }))
      : [];
    const err = new ClusterError(
      422,
      'Invalid',
      `${obj.kind} "${obj.metadata?.name}" is invalid: ${String(
        e?.message ?? e,
      ).slice(0, 500)}`,
      {
        name: obj.metadata?.name,
        group: obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '',
        kind: obj.kind,
      },
    );
    (err.details as any).causes = causes;
    throw err;
  }
}
