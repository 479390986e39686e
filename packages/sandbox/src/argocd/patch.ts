import { applyPatch, type Operation } from 'fast-json-patch';

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: any, patch: any): any {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: any =
    target && typeof target === 'object' && !Array.isArray(target)
      ? { ...target }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** RFC 6902 JSON patch (fast-json-patch, validated; the input is not modified). */
export function applyJsonPatch(target: unknown, ops: unknown): any {
  if (!Array.isArray(ops)) throw new Error('json patch must be an array');
  return applyPatch(structuredClone(target), ops as Operation[], true, false)
    .newDocument;
}
