import * as fastJsonPatch from 'fast-json-patch';
import { parse as parseYaml } from 'yaml';
import { ClusterError } from '../core/cluster';

const isObject = (v: unknown): v is Record<string, any> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: any, patch: any): any {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, any> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** patchMergeKey of list fields in core types (strategic merge patch). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  conditions: 'type',
  topologySpreadConstraints: 'topologyKey',
  ownerReferences: 'uid',
  finalizers: '',
};

/**
 * Strategic merge patch for built-in types: maps merge recursively; lists with a known merge key
 * merge by that key (with `$patch: delete` / `$patch: replace` directives); other lists replace.
 * `ports` merge by containerPort (pod specs) or port (services).
 */
export function strategicMergePatch(target: any, patch: any, key = ''): any {
  if (Array.isArray(patch)) return mergeList(target, patch, key);
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return structuredClone(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Record<string, any> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') || k === '$retainKeys') continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field]) && Array.isArray(v))
        out[field] = out[field].filter((x: unknown) => !v.includes(x));
      continue;
    }
    if (v === null) delete out[k];
    else {
      const merged = strategicMergePatch(out[k], v, k);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
  }
  return out;
}

function mergeList(target: any, patch: any[], key: string): any[] {
  let mergeKey = MERGE_KEYS[key];
  if (key === 'ports') {
    const sample = patch.find(isObject) ?? (target ?? []).find(isObject);
    mergeKey = sample && 'containerPort' in sample ? 'containerPort' : 'port';
  }
  if (key === 'finalizers' && Array.isArray(target)) {
    return [...new Set([...target, ...patch])];
  }
  if (!mergeKey || !Array.isArray(target))
    return patch
      .filter(p => !(isObject(p) && p.$patch))
      .map(p => structuredClone(p));
  const out: any[] = target.map(x => x);
  for (const item of patch) {
    if (!isObject(item) || !(mergeKey in item)) {
      out.push(structuredClone(item));
      continue;
    }
    const idx = out.findIndex(
      x => isObject(x) && x[mergeKey] === item[mergeKey],
    );
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = strategicMergePatch(out[idx], item, '');
    else out.push(strategicMergePatch({}, item, ''));
  }
  return out;
}

/**
 * RFC 6902 JSON patch, with fast-json-patch (validated; the input is not modified). Errors are
 * shaped like the API server's: 400 for a body that is not a patch or an unknown op, 422 for
 * an operation that does not apply (missing path, failed `test`).
 */
export function jsonPatch(doc: any, ops: any): any {
  if (!Array.isArray(ops))
    throw new ClusterError(
      400,
      'BadRequest',
      'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    );
  try {
    return fastJsonPatch.applyPatch(
      structuredClone(doc),
      ops as fastJsonPatch.Operation[],
      true,
      true,
    ).newDocument;
  } catch (e) {
    if (!(e instanceof fastJsonPatch.JsonPatchError)) throw e;
    const op = e.operation as { op?: string; path?: string } | undefined;
    switch (e.name) {
      case 'OPERATION_OP_INVALID':
        throw new ClusterError(
          400,
          'BadRequest',
          `Unexpected kind: ${String(op?.op)}`,
        );
      case 'TEST_OPERATION_FAILED':
        throw new ClusterError(
          422,
          'Invalid',
          `the server rejected our request due to an error in our request: testing value ${op?.path} failed`,
        );
      default:
        throw new ClusterError(
          422,
          'Invalid',
          `the server rejected our request due to an error in our request: ${
            op?.op ?? 'patch'
          } operation does not apply: doc is missing path: "${
            op?.path ?? ''
          }" (${e.name})`,
        );
    }
  }
}

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

export function patchTypeOf(contentType: string | undefined): PatchType {
  const ct = (contentType ?? '').split(';')[0].trim().toLowerCase();
  switch (ct) {
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/json-patch+json':
      return 'json';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+json':
      return 'apply';
    default:
      throw new ClusterError(
        415 as any,
        'BadRequest',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
      );
  }
}

export function applyPatch(type: PatchType, target: any, body: string): any {
  let patch: any;
  try {
    patch = type === 'apply' ? parseYaml(body) : JSON.parse(body);
  } catch (e) {
    throw new ClusterError(
      400,
      'BadRequest',
      `error decoding patch: ${(e as Error).message}`,
    );
  }
  switch (type) {
    case 'merge':
      return mergePatch(target, patch);
    case 'json':
      return jsonPatch(target, patch);
    default:
      return strategicMergePatch(target, patch);
  }
}
