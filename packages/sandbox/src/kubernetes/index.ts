import express from 'express';
import type { SandboxContext } from '../core/context';
import type { FamilyModule } from '../http/server';

/** The Kubernetes API server family (fills ctx.cluster). Owner: kubernetes + simulator work. */
export function createKubernetesFamily(_ctx: SandboxContext): FamilyModule {
  return { family: 'kubernetes', router: express.Router() };
}
