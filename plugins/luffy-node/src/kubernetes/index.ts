export * from './types';
export { KUBERNETES_KINDS, kindPath } from './kinds';
export { createKubernetesAccess } from './createKubernetesAccess';
