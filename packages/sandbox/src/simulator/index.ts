import type { SandboxContext } from '../core/context';

/** Starts the cluster simulator's controllers against ctx.cluster. */
export function startSimulator(_ctx: SandboxContext): { stop(): void } {
  return { stop() {} };
}
