export {
  detectFailures,
  podFindings,
  deploymentFindings,
  applicationFindings,
  environmentOf,
  FAILURE_REASON_PRIORITY,
  type DetectionOptions,
} from './detect';
export { applyPatchPolicy, type PolicyResult } from './policy';
export {
  patchManifest,
  validateWorkload,
  manifestFormatOf,
  type ManifestFormat,
  type PatchedManifest,
} from './manifest';
export {
  candidateFolders,
  locateManifest,
  type LocatedManifest,
} from './locate';
export { createRulesDiagnoser } from './rules';
export { parseQuantity, formatMemory, formatCpu } from './quantity';
export {
  DEFAULT_PATCH_BOUNDS,
  type HealingDiagnoser,
  type HealingDiagnosisInput,
  type PatchBounds,
  type WorkloadContainer,
  type WorkloadSpec,
} from './types';
