import type { SandboxContext } from '../core/context';
import { ChaosRegistry } from './behaviour';
import { PodLogs } from './logs';

/**
 * What the Kubernetes API family and the simulator share: chaos switches, container logs, and
 * hooks the running simulator registers (so that API routes created before it starts can reach it).
 */
export class SimulatorState {
  readonly chaos = new ChaosRegistry();
  readonly logs: PodLogs;
  /** Deployments (`ns/name`) whose pods start already running (bulk seeding). */
  readonly instant = new Set<string>();
  /** Set by the running simulator: re-evaluate pods after a chaos change. */
  onChaosChange?: (service: string, env: string) => void;

  constructor(ctx: SandboxContext) {
    this.logs = new PodLogs(() => ctx.clock.timeScale);
  }
}

const states = new WeakMap<SandboxContext, SimulatorState>();

export function simulatorState(ctx: SandboxContext): SimulatorState {
  let s = states.get(ctx);
  if (!s) {
    s = new SimulatorState(ctx);
    states.set(ctx, s);
    const state = s;
    ctx.persistence.register('simulator', {
      save: () => ({ chaos: state.chaos.save(), logs: state.logs.save() }),
      load: (data: any) => {
        state.chaos.load(data?.chaos);
        state.logs.load(data?.logs);
      },
    });
  }
  return s;
}
