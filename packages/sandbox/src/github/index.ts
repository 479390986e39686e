import express from 'express';
import type { SandboxContext } from '../core/context';
import type { FamilyModule } from '../http/server';

/** The GitHub family: REST v3 under /api/v3, GraphQL at /api/graphql, git smart HTTP, OAuth. */
export function createGithubFamily(_ctx: SandboxContext): FamilyModule {
  return { family: 'github', router: express.Router() };
}

/** Seeds the demo's GitHub side (org, users, source repos, open PRs with checks). */
export async function seedGithubDemo(_ctx: SandboxContext): Promise<void> {}
