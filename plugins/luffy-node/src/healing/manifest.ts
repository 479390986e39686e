import { InputError } from '@backstage/errors';
import type {
  PatchOperation,
  ProposedPatch,
} from '@openluffy/plugin-luffy-common';
import { createTwoFilesPatch } from 'diff';
import fs from 'node:fs';
import path from 'node:path';
import {
  isMap,
  isSeq,
  type Document,
  type ParsedNode,
  type YAMLMap,
} from 'yaml';
import {
  findYamlDocument,
  parseYamlDocuments,
  stringifyYamlDocuments,
} from '../gitops/yamlDocuments';

/** How a manifest file describes the workload. @public */
export type ManifestFormat = 'manifest' | 'helm-values';

/** The result of patching a manifest file. @public */
export type PatchedManifest = {
  path: string;
  before: string;
  after: string;
  /** Unified diff of the file. */
  diff: string;
  /** False when the patch changes nothing (the file already says so). */
  changed: boolean;
};

type Doc = Document.Parsed<ParsedNode>;

function containerNode(doc: Doc, container: string): YAMLMap {
  const seq = doc.getIn(['spec', 'template', 'spec', 'containers']);
  if (!isSeq(seq))
    throw new InputError('the workload has no spec.template.spec.containers');
  const node = seq.items.find(
    (c): c is YAMLMap => isMap(c) && c.get('name') === container,
  );
  if (!node)
    throw new InputError(`no container "${container}" in the manifest`);
  return node;
}

function applyToManifest(doc: Doc, op: PatchOperation) {
  switch (op.op) {
    case 'set-replicas':
      doc.setIn(['spec', 'replicas'], op.replicas);
      return;
    case 'set-resources': {
      const c = containerNode(doc, op.container);
      for (const section of ['requests', 'limits'] as const) {
        for (const [k, v] of Object.entries(op[section] ?? {})) {
          if (v !== undefined) c.setIn(['resources', section, k], v);
        }
      }
      return;
    }
    case 'set-env': {
      const c = containerNode(doc, op.container);
      let env = c.get('env', true);
      if (!isSeq(env)) {
        c.set('env', doc.createNode([]));
        env = c.get('env', true);
      }
      if (!isSeq(env)) throw new InputError('container env is not a list');
      const existing = env.items.find(
        (e): e is YAMLMap => isMap(e) && e.get('name') === op.name,
      );
      if (existing) existing.set('value', op.value);
      else env.add(doc.createNode({ name: op.name, value: op.value }));
      return;
    }
    case 'set-probe': {
      const c = containerNode(doc, op.container);
      if (!c.get(op.probe))
        throw new InputError(`container ${op.container} has no ${op.probe}`);
      for (const [k, v] of Object.entries(op.timings)) {
        if (v !== undefined) c.setIn([op.probe, k], v);
      }
      return;
    }
    default:
      throw new InputError(`unsupported operation ${(op as any).op}`);
  }
}

/**
 * Helm values per environment, in the common chart conventions (`replicaCount`, `resources`,
 * `env_vars`/`env` as a NAME: value map). Probe timings are not values of such charts.
 */
function applyToValues(doc: Doc, op: PatchOperation) {
  switch (op.op) {
    case 'set-replicas':
      doc.setIn(['replicaCount'], op.replicas);
      return;
    case 'set-resources':
      for (const section of ['requests', 'limits'] as const) {
        for (const [k, v] of Object.entries(op[section] ?? {})) {
          if (v !== undefined) doc.setIn(['resources', section, k], v);
        }
      }
      return;
    case 'set-env': {
      const key = ['env_vars', 'envVars', 'env', 'extraEnv'].find(k =>
        isMap(doc.get(k, true)),
      );
      doc.setIn([key ?? 'env_vars', op.name], op.value);
      return;
    }
    case 'set-probe':
      throw new InputError(
        'probe timings are not values of this Helm chart; change the chart instead (escalated)',
      );
    default:
      throw new InputError(`unsupported operation ${(op as any).op}`);
  }
}

/**
 * Applies a patch to a manifest file with the `yaml` Document API: comments, key order and
 * formatting of everything else stay as they were. Plain manifests are validated against the
 * Kubernetes schema (kubernetes-models); the result carries a unified diff.
 * @public
 */
export function patchManifest(options: {
  path: string;
  content: string;
  format: ManifestFormat;
  patch: ProposedPatch;
}): PatchedManifest {
  const { path: file, content, format, patch } = options;
  const docs = parseYamlDocuments(content, file);
  if (format === 'manifest') {
    const doc = findYamlDocument(docs, {
      kind: patch.target.kind,
      name: patch.target.name,
    });
    if (!doc) {
      throw new InputError(
        `${file} has no ${patch.target.kind} named ${patch.target.name}`,
      );
    }
    const ns = doc.getIn(['metadata', 'namespace']);
    if (ns !== undefined && ns !== patch.target.namespace) {
      throw new InputError(
        `${file}: ${patch.target.name} is in namespace ${ns}, not ${patch.target.namespace}`,
      );
    }
    for (const op of patch.operations) applyToManifest(doc, op);
    validateWorkload(doc.toJS(), file);
  } else {
    if (docs.length !== 1 || !isMap(docs[0].contents)) {
      throw new InputError(`${file} is not a Helm values map`);
    }
    for (const op of patch.operations) applyToValues(docs[0], op);
  }
  const after = stringifyYamlDocuments(docs);
  return {
    path: file,
    before: content,
    after,
    changed: after !== content,
    diff: createTwoFilesPatch(
      `a/${file}`,
      `b/${file}`,
      content,
      after,
      undefined,
      undefined,
      {
        context: 3,
      },
    ),
  };
}

/** Validates a patched workload object against the Kubernetes schema (kubernetes-models). @public */
export function validateWorkload(obj: any, file = 'manifest') {
  const Model = appsV1Models()?.[obj?.kind];
  if (typeof Model !== 'function') return;
  try {
    new Model(obj).validate();
  } catch (e: any) {
    const details = Array.isArray(e?.errors)
      ? e.errors
          .slice(0, 5)
          .map((x: any) => `${x.instancePath ?? ''} ${x.message}`.trim())
          .join('; ')
      : e?.message ?? String(e);
    throw new InputError(
      `${file}: the patched ${obj?.kind} is not valid: ${details}`,
    );
  }
}

let appsV1: Record<string, any> | null | undefined;

/**
 * kubernetes-models is ESM-only with import-only `exports`: loaded lazily, by name (jest maps
 * it, see package.json) or by file path (Node 22 `require(esm)`).
 */
function appsV1Models(): Record<string, any> | null {
  if (appsV1 !== undefined) return appsV1;
  appsV1 = null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    appsV1 = require('kubernetes-models/apps/v1');
  } catch {
    for (const dir of require.resolve.paths('kubernetes-models') ?? []) {
      const file = path.join(
        dir,
        'kubernetes-models',
        'apps',
        'v1',
        'index.js',
      );
      if (fs.existsSync(file)) {
        try {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          appsV1 = require(file);
        } catch {
          appsV1 = null;
        }
        break;
      }
    }
  }
  return appsV1 ?? null;
}

/** Whether a file's text describes the workload: a manifest with it, or Helm values. @public */
export function manifestFormatOf(
  content: string,
  target: { kind: string; name: string },
): ManifestFormat | undefined {
  let docs: Doc[];
  try {
    docs = parseYamlDocuments(content);
  } catch {
    return undefined;
  }
  if (findYamlDocument(docs, { kind: target.kind, name: target.name }))
    return 'manifest';
  const d = docs[0];
  if (
    docs.length === 1 &&
    isMap(d?.contents) &&
    !d.get('kind') &&
    !d.get('apiVersion') &&
    (d.get('resources') !== undefined ||
      d.get('replicaCount') !== undefined ||
      d.get('image') !== undefined)
  ) {
    return 'helm-values';
  }
  return undefined;
}
