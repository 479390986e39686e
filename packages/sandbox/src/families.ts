import type { SandboxContext } from './core/context';
import type { FamilyModule } from './http/server';
import { createKubernetesFamily } from './kubernetes';
import { startSimulator } from './simulator';
import { createGithubFamily, seedGithubDemo } from './github';
import { createArgoCdFamily } from './argocd';
import { createAnthropicFamily } from './anthropic';
import { seedGitopsDemo } from './seed';

/**
 * Builds every family module against the shared context, in dependency order: the cluster
 * store first (the simulator and Argo CD use it), then GitHub (git repos), Argo CD, Anthropic.
 * `afterListen` runs once every port listens: seeding (first start or after --reset) and the
 * simulator's controllers.
 */
export async function createFamilies(
  ctx: SandboxContext,
): Promise<{ modules: FamilyModule[]; afterListen(): Promise<void> }> {
  const modules = [
    createKubernetesFamily(ctx),
    createGithubFamily(ctx),
    createArgoCdFamily(ctx),
    createAnthropicFamily(ctx),
  ];
  return {
    modules,
    async afterListen() {
      const simulator = startSimulator(ctx);
      ctx.events.once('stop', () => simulator.stop());
      if (ctx.options.seed !== false && !ctx.persistence.has('seeded')) {
        await seedGithubDemo(ctx);
        await seedGitopsDemo(ctx);
        ctx.persistence.register('seeded', {
          save: () => ({ at: new Date().toISOString() }),
          load: () => {},
        });
        ctx.persistence.saveAll();
      }
    },
  };
}
