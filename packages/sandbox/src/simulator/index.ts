import type { SandboxContext } from '../core/context';
import { Simulator } from './simulator';
import { simulatorState } from './state';

export { setChaos } from './control';
export { bulkSeed } from './bulk';
export { Simulator } from './simulator';

/** Starts the cluster simulator's controllers against ctx.cluster. */
export function startSimulator(ctx: SandboxContext): {
  stop(): void;
  idle(): Promise<void>;
  simulator: Simulator;
} {
  if (!ctx.cluster)
    throw new Error(
      'startSimulator: ctx.cluster is not set (create the kubernetes family first)',
    );
  const simulator = new Simulator(ctx, simulatorState(ctx));
  simulator.start();
  return {
    simulator,
    stop: () => simulator.stop(),
    idle: () => simulator.idle(),
  };
}
