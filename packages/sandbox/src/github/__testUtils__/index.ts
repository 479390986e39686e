import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Octokit } from '@octokit/rest';
import { SandboxContext } from '../../core/context';
import { startFamilyServer, type FamilyServer } from '../../http/server';
import { createGithubFamily, type GithubFamilyParts } from '../index';
import { seedGithubAccounts } from '../seed';

const exec = promisify(execFile);

export type GithubTestEnv = {
  ctx: SandboxContext;
  srv: FamilyServer;
  url: string;
  parts: GithubFamilyParts;
  dir: string;
  /** Runs the git CLI (async, so the in-process server keeps answering). */
  git(args: string[], cwd?: string): Promise<string>;
  close(): Promise<void>;
};

const silent = { info() {}, warn() {}, error() {} };

/** A GitHub family on a free port with the demo accounts (org acme, luffy-bot, alice, guest). */
export async function startGithubForTest(
  options: { timeScale?: number } = {},
): Promise<GithubTestEnv> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbx-gh-test-'));
  const ctx = new SandboxContext({
    dataDir: dir,
    timeScale: options.timeScale ?? 50,
    logger: silent,
  });
  const mod = createGithubFamily(ctx);
  const srv = await startFamilyServer(ctx, mod, 0, '127.0.0.1');
  ctx.urls.github = srv.url;
  seedGithubAccounts(mod.github.service);
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  const env = {
    ...process.env,
    HOME: home,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Alice Martin',
    GIT_AUTHOR_EMAIL: 'alice@acme.example',
    GIT_COMMITTER_NAME: 'Alice Martin',
    GIT_COMMITTER_EMAIL: 'alice@acme.example',
  };
  return {
    ctx,
    srv,
    url: srv.url,
    parts: mod.github,
    dir,
    async git(args, cwd) {
      const { stdout } = await exec('git', args, {
        cwd: cwd ?? dir,
        env,
        maxBuffer: 32 * 1024 * 1024,
      });
      return stdout;
    },
    async close() {
      await srv.close();
      ctx.clock.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** Tokens of the demo accounts (seedGithubAccounts). */
export const DEMO_TOKENS = {
  alice: 'sandbox-alice-token',
  bot: 'sandbox-bot-token',
  guest: 'sandbox-guest-token',
} as const;

/** An Octokit client of the family's REST API with `token`, logging nothing. */
export function octokitFor(env: { url: string }, token: string): Octokit {
  return new Octokit({ log: quiet, auth: token, baseUrl: `${env.url}/api/v3` });
}

export type GithubContractEnv = {
  env: GithubTestEnv;
  /** alice, a member of acme */
  alice: Octokit;
  /** luffy-bot, an owner of acme */
  bot: Octokit;
  /** guest, outside acme */
  guest: Octokit;
};

/**
 * What every contract test starts with: a GitHub family (`startGithubForTest`) and Octokit
 * clients of the demo accounts. `warm` runs first: compile the OpenAPI validators a file uses
 * there, since compiling blocks the process for seconds and a server connection kept alive
 * across that pause gets reset. Close with `env.close()` in `afterAll`.
 */
export async function startGithubContract(
  options: { timeScale?: number; warm?: () => void } = {},
): Promise<GithubContractEnv> {
  options.warm?.();
  const env = await startGithubForTest({ timeScale: options.timeScale });
  return {
    env,
    alice: octokitFor(env, DEMO_TOKENS.alice),
    bot: octokitFor(env, DEMO_TOKENS.bot),
    guest: octokitFor(env, DEMO_TOKENS.guest),
  };
}

/**
 * Registers a test file's hooks: `beforeAll` starts the family and the clients
 * (`startGithubContract`) and hands them to `use` (assign the file's variables there, create
 * shared fixtures), `afterAll` closes the family.
 */
export function withGithubContract(
  use: (c: GithubContractEnv) => void | Promise<void>,
  options: { timeScale?: number; warm?: () => void } = {},
) {
  let c: GithubContractEnv | undefined;
  beforeAll(async () => {
    c = await startGithubContract(options);
    await use(c);
  });
  afterAll(async () => {
    await c?.env.close();
  });
}

/** acme/`name`, created by alice, with one commit of `files` on main. */
export async function createRepoWithFiles(
  env: GithubTestEnv,
  alice: Octokit,
  name: string,
  files: Record<string, string> = { 'README.md': '# x\n' },
  options: { author?: { name: string; email: string }; private?: boolean } = {},
) {
  await alice.rest.repos.createInOrg({
    org: 'acme',
    name,
    ...(options.private === undefined ? {} : { private: options.private }),
  });
  await env.ctx.git.commitFiles('acme', name, {
    branch: 'main',
    message: 'initial',
    author: options.author ?? {
      name: 'Alice Martin',
      email: 'alice@acme.example',
    },
    files,
    pusher: 'alice',
  });
}

/**
 * acme/`name` (auto-initialised by alice) with `files` committed on branch `topic`, and alice's
 * open pull request from `topic` into main (titled `options.title`, default `Topic`).
 */
export async function createRepoWithPull(
  env: GithubTestEnv,
  alice: Octokit,
  name: string,
  files: Record<string, string> = { 'src/app.ts': 'export const a = 1;\n' },
  options: { title?: string; private?: boolean } = {},
) {
  await alice.rest.repos.createInOrg({
    org: 'acme',
    name,
    auto_init: true,
    ...(options.private === undefined ? {} : { private: options.private }),
  });
  await env.ctx.git.commitFiles('acme', name, {
    branch: 'topic',
    base: 'main',
    message: 'topic',
    author: { name: 'Alice', email: 'alice@acme.example' },
    files,
    pusher: 'alice',
  });
  const pr = await alice.rest.pulls.create({
    owner: 'acme',
    repo: name,
    title: options.title ?? 'Topic',
    head: 'topic',
    base: 'main',
  });
  return pr.data;
}

let api: any;
let ajv: any;

/** Validates `body` against GitHub's official OpenAPI response schema of an operation. */
export function openapiErrors(
  pathTemplate: string,
  method: string,
  status: number,
  body: unknown,
): string[] | null {
  if (!api) {
    api = require('@octokit/openapi/generated/api.github.com.json');
    const Ajv = require('ajv');
    const addFormats = require('ajv-formats');
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(fixNullable(JSON.parse(JSON.stringify(api))), 'api');
  }
  const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
  const ptr = `api#/paths/${esc(
    pathTemplate,
  )}/${method.toLowerCase()}/responses/${status}/content/${esc(
    'application/json',
  )}/schema`;
  const validate = ajv.getSchema(ptr);
  if (!validate)
    throw new Error(`no schema for ${method} ${pathTemplate} ${status}`);
  if (validate(body)) return null;
  return (validate.errors ?? []).map(
    (e: any) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
  );
}

/** OpenAPI 3.0 `nullable` without `type` (on $ref/allOf) → anyOf [schema, null] for ajv. */
function fixNullable(node: any): any {
  if (Array.isArray(node)) return node.map(fixNullable);
  if (!node || typeof node !== 'object') return node;
  const out: any = {};
  for (const [k, v] of Object.entries(node)) out[k] = fixNullable(v);
  if (
    out.nullable === true &&
    Array.isArray(out.enum) &&
    !out.enum.includes(null)
  )
    out.enum = [...out.enum, null];
  if (out.nullable === true && out.type === undefined) {
    const { nullable: _n, ...rest } = out;
    return { anyOf: [rest, { type: 'null' }] };
  }
  return out;
}

/** An Octokit `log` that keeps expected 4xx/5xx out of the test output. */

let webhooksAjv: any;

/** Validates a webhook payload against @octokit/openapi-webhooks (`webhook-push`, `webhook-pull-request-opened`, …). */
export function webhookErrors(
  schemaName: string,
  body: unknown,
): string[] | null {
  if (!webhooksAjv) {
    const doc = require('@octokit/openapi-webhooks/generated/api.github.com.json');
    const Ajv = require('ajv');
    const addFormats = require('ajv-formats');
    webhooksAjv = new Ajv({ strict: false, allErrors: true });
    addFormats(webhooksAjv);
    webhooksAjv.addSchema(fixNullable(JSON.parse(JSON.stringify(doc))), 'wh');
  }
  const validate = webhooksAjv.getSchema(
    `wh#/components/schemas/${schemaName}`,
  );
  if (!validate) throw new Error(`no webhook schema ${schemaName}`);
  if (validate(body)) return null;
  return (validate.errors ?? [])
    .slice(0, 15)
    .map(
      (e: any) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
    );
}
