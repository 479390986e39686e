import express from 'express';
import type { SandboxContext } from '../core/context';
import type { FamilyModule } from '../http/server';

/** The Anthropic Messages API (tests only): scripted responses. */
export function createAnthropicFamily(_ctx: SandboxContext): FamilyModule {
  return { family: 'anthropic', router: express.Router() };
}
