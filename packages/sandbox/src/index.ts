/**
 * The OpenLuffy sandbox: wire-compatible local GitHub, Kubernetes, Argo CD and Anthropic
 * endpoints with a cluster simulator. For development, demos and tests only; production code
 * never imports it.
 *
 * @packageDocumentation
 */
export { startSandbox, type Sandbox } from './sandbox';
export {
  DEFAULT_PORTS,
  DEFAULT_TOKENS,
  type SandboxOptions,
} from './core/context';
export type { Fault, Family } from './core/faults';
export { BACKSTAGE_KUBERNETES_FAN_OUT } from './kubernetes/backstageFanOut';
export {
  waitFor,
  type WaitForOptions,
  type Truthy,
} from './testing/waitFor';
