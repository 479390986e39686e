import express from 'express';
import type { SandboxContext } from '../core/context';
import type { FamilyModule } from '../http/server';

/** The Argo CD family: API under /api/v1 and the controller that syncs git into the cluster. */
export function createArgoCdFamily(_ctx: SandboxContext): FamilyModule {
  return { family: 'argocd', router: express.Router() };
}
