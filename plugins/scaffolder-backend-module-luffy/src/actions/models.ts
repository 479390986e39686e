import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '@backstage/errors';

/**
 * kubernetes-models and @kubernetes-models/argo-cd are ESM-only with import-only `exports`:
 * loaded by name (jest maps it, see package.json) or by file path (Node 22 `require(esm)`).
 * Unlike a best-effort check, a model that cannot be loaded is an error: nothing is committed
 * unvalidated.
 */
function load(pkg: string, subpath: string): Record<string, any> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(`${pkg}/${subpath}`);
  } catch {
    for (const dir of require.resolve.paths(pkg) ?? []) {
      const file = path.join(dir, pkg, subpath, 'index.js');
      if (fs.existsSync(file)) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(file);
      }
    }
  }
  throw new Error(`Cannot load ${pkg}/${subpath} to validate manifests`);
}

const MODELS: Record<string, () => any> = {
  Namespace: () => load('kubernetes-models', 'v1').Namespace,
  Ingress: () => load('kubernetes-models', 'networking.k8s.io/v1').Ingress,
  Application: () => load('@kubernetes-models/argo-cd', 'argoproj.io/v1alpha1').Application,
};

/** Validates a manifest against its schema; an invalid one is an `InputError` naming the file. */
export function validateManifest(obj: any, file: string): void {
  const factory = MODELS[obj?.kind];
  if (!factory) throw new Error(`No schema to validate ${obj?.kind} (${file})`);
  const Model = factory();
  try {
    new Model(obj).validate();
  } catch (e: any) {
    const details = Array.isArray(e?.errors)
      ? e.errors
          .slice(0, 5)
          .map((x: any) => `${x.instancePath ?? ''} ${x.message}`.trim())
          .join('; ')
      : e?.message ?? String(e);
    throw new InputError(`${file}: the ${obj?.kind} is not valid: ${details}`);
  }
}

/**
 * ExternalSecret (external-secrets.io/v1beta1) has no published model here: its shape is
 * checked by hand — references only, never a value.
 */
export function validateExternalSecret(obj: any, file: string): void {
  const problems: string[] = [];
  if (obj?.apiVersion !== 'external-secrets.io/v1beta1') problems.push('apiVersion must be external-secrets.io/v1beta1');
  if (obj?.kind !== 'ExternalSecret') problems.push('kind must be ExternalSecret');
  if (!obj?.metadata?.name) problems.push('metadata.name is required');
  if (!obj?.spec?.secretStoreRef?.name) problems.push('spec.secretStoreRef.name is required');
  if (!obj?.spec?.target?.name) problems.push('spec.target.name is required');
  const data = obj?.spec?.data;
  if (!Array.isArray(data) || !data.length) problems.push('spec.data needs at least one entry');
  for (const d of data ?? []) {
    if (!d?.secretKey || !d?.remoteRef?.key) problems.push('every spec.data entry needs secretKey and remoteRef.key');
    if ('value' in (d ?? {}) || 'value' in (d?.remoteRef ?? {})) problems.push('a secret reference must not carry a value');
  }
  if (problems.length) throw new InputError(`${file}: the ExternalSecret is not valid: ${problems.join('; ')}`);
}
