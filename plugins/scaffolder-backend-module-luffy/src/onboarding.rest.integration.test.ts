import { ConflictError } from '@backstage/errors';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { InMemoryCatalogClient } from '@backstage/catalog-client/testUtils';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import githubModule from '@backstage/plugin-scaffolder-backend-module-github';
import request from 'supertest';
/* eslint-enable @backstage/no-undeclared-imports */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { KUBERNETES_KINDS } from '@openluffy/plugin-luffy-node';
import { waitFor } from '@openluffy/sandbox';
import { scaffolderModuleLuffy } from './module';
import {
  startOnboardingSandbox,
  TEMPLATE_DIR,
} from './__testUtils__/onboarding';

/*
 * Acceptance of issue 9 through the scaffolder REST API: the real scaffolder backend with the
 * upstream GitHub module and ours, the New Customer template from templates/, the sandbox for
 * GitHub, Argo CD and Kubernetes. The catalog is an in-memory one whose addLocation reads the
 * registered catalog-info.yaml from the sandbox (and refuses a duplicate location, like the
 * real catalog).
 */

jest.setTimeout(300_000);

const REGISTRY_TOKEN = 'reg-token-9c1e77a0d3f24b6e';

let env: Awaited<ReturnType<typeof startOnboardingSandbox>>;
let server: any;
const locations: string[] = [];

class SandboxCatalog extends InMemoryCatalogClient {
  readonly #entities: Entity[];
  constructor(entities: Entity[]) {
    super({ entities });
    this.#entities = entities;
  }
  async addLocation(location: {
    type?: string;
    target: string;
    dryRun?: boolean;
  }) {
    const m =
      /^(https?:\/\/[^/]+)\/([^/]+)\/([^/]+)\/(?:blob|tree)\/([^/]+)\/(.+)$/.exec(
        location.target,
      );
    if (!m) throw new Error(`cannot read ${location.target}`);
    const gh = await env.clients.github.forRepo(`${m[2]}/${m[3]}`);
    const file = await gh.octokit.rest.repos.getContent({
      owner: m[2],
      repo: m[3],
      path: m[5],
      ref: m[4],
      mediaType: { format: 'raw' },
    });
    const entities = YAML.parseAllDocuments(String(file.data)).map(
      d => d.toJS() as Entity,
    );
    const exists = locations.includes(location.target);
    if (!location.dryRun) {
      if (exists)
        throw new ConflictError(
          `Location url:${location.target} already exists`,
        );
      locations.push(location.target);
      for (const e of entities)
        this.#entities.push({
          ...e,
          metadata: { ...e.metadata, namespace: 'default' },
        });
    }
    const component = entities.find(e => e.kind === 'Component') ?? entities[0];
    const entityRef = `${component.kind.toLocaleLowerCase('en-US')}:default/${
      component.metadata.name
    }`;
    return {
      location: {
        id: location.target,
        type: 'url',
        target: location.target,
        entityRef,
      },
      entities,
      exists,
    };
  }
}

/** The template folder as the template editor sends it to the dry-run endpoint. */
function directoryContents(
  dir = TEMPLATE_DIR,
  prefix = '',
): Array<{ path: string; base64Content: string }> {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e =>
    e.isDirectory()
      ? directoryContents(path.join(dir, e.name), `${prefix}${e.name}/`)
      : [
          {
            path: `${prefix}${e.name}`,
            base64Content: fs
              .readFileSync(path.join(dir, e.name))
              .toString('base64'),
          },
        ],
  );
}

function templateEntity(): Entity {
  const t = YAML.parse(
    fs.readFileSync(path.join(TEMPLATE_DIR, 'template.yaml'), 'utf8'),
  );
  const loc = `file:${path.join(TEMPLATE_DIR, 'template.yaml')}`;
  t.metadata.namespace = 'default';
  t.metadata.annotations = {
    'backstage.io/managed-by-location': loc,
    'backstage.io/managed-by-origin-location': loc,
  };
  return t;
}

beforeAll(async () => {
  env = await startOnboardingSandbox({ timeScale: 20 });
  const catalog = new SandboxCatalog([templateEntity()]);
  const backend = await startTestBackend({
    features: [
      scaffolderPlugin,
      githubModule,
      scaffolderModuleLuffy,
      createServiceFactory({
        service: catalogServiceRef,
        deps: {},
        factory: () => catalog as any,
      }),
      mockServices.rootConfig.factory({
        data: {
          ...(env.config.get() as object),
          backend: { baseUrl: 'http://localhost:7007' },
        },
      }),
    ],
  });
  server = backend.server;
});
afterAll(async () => {
  await env?.stop();
});

const user = mockCredentials.user.header();

async function runTask(
  values: Record<string, unknown>,
  opts: {
    cancelWhen?: (log: string) => boolean;
    /** Task secrets; default the registry token (none: the template's default path) */
    secrets?: Record<string, string>;
  } = {},
) {
  const created = await request(server)
    .post('/api/scaffolder/v2/tasks')
    .set('authorization', user)
    .send({
      templateRef: 'template:default/customer-onboarding',
      values,
      secrets: opts.secrets ?? { registryToken: REGISTRY_TOKEN },
    });
  if (created.status !== 201)
    throw new Error(
      `POST /v2/tasks: ${created.status} ${JSON.stringify(created.body)}`,
    );
  const id = created.body.id;
  let cancelled = false;
  const task = await waitFor(
    async () => {
      const res = await request(server)
        .get(`/api/scaffolder/v2/tasks/${id}`)
        .set('authorization', user);
      if (opts.cancelWhen && !cancelled) {
        const events = await request(server)
          .get(`/api/scaffolder/v2/tasks/${id}/events`)
          .set('authorization', user);
        const log = (events.body as any[])
          .map(e => e.body?.message ?? '')
          .join('\n');
        if (opts.cancelWhen(log)) {
          cancelled = true;
          await request(server)
            .post(`/api/scaffolder/v2/tasks/${id}/cancel`)
            .set('authorization', user);
        }
      }
      return ['completed', 'failed', 'cancelled'].includes(res.body.status)
        ? res.body
        : undefined;
    },
    `task ${id} finished`,
    { timeoutMs: 240_000, intervalMs: 500 },
  );
  const events = await request(server)
    .get(`/api/scaffolder/v2/tasks/${id}/events`)
    .set('authorization', user);
  const log = (events.body as any[]).map(e => e.body?.message ?? '').join('\n');
  // the task's output comes with its completion event
  const output = (events.body as any[]).find(e => e.type === 'completion')?.body
    ?.output;
  return { task, log, output };
}

/** A completed task, or an error carrying the end of its log. */
function expectCompleted(r: { task: any; log: string }) {
  if (r.task.status !== 'completed')
    throw new Error(
      `task ${r.task.status}:\n${r.log.split('\n').slice(-15).join('\n')}`,
    );
}

/** What the sandbox holds of a customer: repos, commits of its repo and the GitOps repo, Argo CD apps. */
async function snapshot(customer: string) {
  const gh = await env.clients.github.forRepo('acme/gitops');
  const repos = (
    await gh.octokit.rest.repos.listForOrg({ org: 'acme', per_page: 100 })
  ).data
    .map(r => r.name)
    .sort();
  const commits = async (repo: string) =>
    (
      await gh.octokit.rest.repos
        .listCommits({ owner: 'acme', repo, per_page: 100 })
        .catch(() => ({ data: [] as any[] }))
    ).data.map(c => c.sha);
  const apps = (
    await env.clients.argocd.listApplications({
      selector: `backstage-name=${customer}`,
    })
  )
    .map(a => a.metadata.name)
    .sort();
  const pulls = (
    await gh.octokit.rest.pulls.list({
      owner: 'acme',
      repo: 'gitops',
      state: 'all',
      per_page: 100,
    })
  ).data.length;
  return {
    repos,
    serviceCommits: await commits(customer),
    gitopsCommits: await commits('gitops'),
    apps,
    pulls,
    locations: [...locations],
  };
}

const values = (customer: string, opts: { registryToken?: boolean } = {}) => ({
  customer,
  stack: 'node',
  owner: 'group:default/platform-team',
  environments: ['dev', 'preprod', 'prod'],
  baseHostname: 'apps.example.test',
  secretNames: ['DATABASE_URL'],
  // as the wizard's Secret field sends it: the value goes in `secrets`, the form holds a mask
  ...(opts.registryToken === false
    ? {}
    : { registryToken: '*'.repeat(REGISTRY_TOKEN.length) }),
});

/** The repository secrets' names and the secret CI logs in to the registry with. */
async function registryLogin(customer: string) {
  const gh = await env.clients.github.forRepo(`acme/${customer}`);
  const secrets = await gh.octokit.rest.actions.listRepoSecrets({
    owner: 'acme',
    repo: customer,
  });
  const ci = await gh.octokit.rest.repos.getContent({
    owner: 'acme',
    repo: customer,
    path: '.github/workflows/ci.yaml',
  });
  const text = Buffer.from((ci.data as any).content, 'base64').toString('utf8');
  return {
    secrets: secrets.data.secrets.map(x => x.name),
    password: /password: (.*)/.exec(text)?.[1],
    packagesWrite: /packages: write/.test(text),
  };
}

describe('New Customer through POST /api/scaffolder/v2/tasks', () => {
  it('onboards a customer end to end; the same task again changes nothing', async () => {
    const first = await runTask(values('soylent'));
    expectCompleted(first);
    const { task, log, output } = first;

    const gh = await env.clients.github.forRepo('acme/soylent');
    const tree = await gh.octokit.rest.git.getTree({
      owner: 'acme',
      repo: 'soylent',
      tree_sha: 'main',
      recursive: 'true',
    });
    expect(tree.data.tree.map(t => t.path)).toEqual(
      expect.arrayContaining([
        '.github/workflows/ci.yaml',
        '.github/workflows/deploy.yaml',
        'catalog-info.yaml',
        'Dockerfile',
        'src/app.js',
        'test/app.test.js',
        'README.md',
      ]),
    );
    const runs = await gh.octokit.rest.actions.listWorkflowRuns({
      owner: 'acme',
      repo: 'soylent',
      workflow_id: 'ci.yaml',
    });
    expect(runs.data.workflow_runs.map(r => r.conclusion)).toEqual(['success']);
    const apps = await env.clients.argocd.listApplications({
      selector: 'backstage-name=soylent',
    });
    expect(
      apps
        .map(a => [
          a.metadata.name,
          a.status?.sync?.status,
          a.status?.health?.status,
        ])
        .sort(),
    ).toEqual([
      ['soylent-dev', 'Synced', 'Healthy'],
      ['soylent-preprod', 'Synced', 'Healthy'],
      ['soylent-prod', 'Synced', 'Healthy'],
    ]);
    const pods = await waitFor(
      async () => {
        const [list] = await env.clients.kubernetes.list<any>(
          KUBERNETES_KINDS.pods,
          { labelSelector: 'backstage.io/kubernetes-id=soylent' },
        );
        const running = list.items.filter(
          (p: any) => p.status?.phase === 'Running',
        );
        return new Set(running.map((p: any) => p.metadata.namespace)).size === 3
          ? running
          : undefined;
      },
      'soylent pods running in three namespaces',
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(pods.length).toBeGreaterThanOrEqual(3);
    // the secret reference took effect: the pods read DATABASE_URL from the ExternalSecret's target
    expect(pods[0].spec.containers[0].env).toEqual(
      expect.arrayContaining([
        {
          name: 'DATABASE_URL',
          valueFrom: {
            secretKeyRef: { name: 'soylent-secrets', key: 'DATABASE_URL' },
          },
        },
      ]),
    );
    expect(locations).toEqual([
      expect.stringMatching(
        /\/acme\/soylent\/(blob|tree)\/main\/catalog-info.yaml$/,
      ),
    ]);
    expect(output.links).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ entityRef: 'component:default/soylent' }),
      ]),
    );
    expect(output.text[0].content).toMatch(
      /\| dev \| .*soylent-dev.* \| Synced \| Healthy \|/,
    );
    expect(JSON.stringify({ task, output })).not.toContain(REGISTRY_TOKEN);
    expect(log).not.toContain(REGISTRY_TOKEN);
    // a registry token was given: sealed as a repository secret, and CI logs in with it
    expect(await registryLogin('soylent')).toEqual({
      secrets: ['REGISTRY_TOKEN'],
      password: '${{ secrets.REGISTRY_TOKEN }}',
      packagesWrite: false,
    });

    const before = await snapshot('soylent');
    const again = await runTask(values('soylent'));
    expectCompleted(again);
    expect(again.log).toContain('nothing to publish');
    expect(again.log).toContain('nothing to change');
    expect(await snapshot('soylent')).toEqual(before);
  });

  it('a dry run (POST /api/scaffolder/v2/dry-run) creates nothing', async () => {
    const before = await snapshot('tyrell');
    const res = await request(server)
      .post('/api/scaffolder/v2/dry-run')
      .set('authorization', user)
      .send({
        template: templateEntity(),
        values: values('tyrell'),
        secrets: { registryToken: REGISTRY_TOKEN },
        directoryContents: directoryContents(),
      });
    if (res.status !== 200)
      throw new Error(
        `POST /v2/dry-run: ${res.status} ${JSON.stringify(res.body)}`,
      );
    expect(
      (res.body.log as any[]).map(l => l.body?.message).join('\n'),
    ).toContain('Dry run: would write argocd/apps/tyrell-dev.yaml');
    expect(await snapshot('tyrell')).toEqual(before);
  });

  it('a run cancelled half-way (waiting for CI) and run again ends complete, without duplicates', async () => {
    // the template's default path: no registry token. CI at the real pace during the first
    // run, so the cancel lands while the task waits for it (at 20x the whole rest of the task
    // can finish between two polls of the log)
    const timeScale = (scale: number) =>
      fetch(`${env.urls.github}/_sandbox/time-scale`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ timeScale: scale }),
      });
    await timeScale(1);
    const first = await runTask(values('cyberdyne', { registryToken: false }), {
      cancelWhen: log => /Committed \d+ file\(s\) to acme\/gitops/.test(log),
      secrets: {},
    }).finally(() => timeScale(20));
    expect(first.task.status).not.toBe('completed');
    const gitopsCommitsAfterFirst = (await snapshot('cyberdyne')).gitopsCommits
      .length;
    const second = await runTask(
      values('cyberdyne', { registryToken: false }),
      {
        secrets: {},
      },
    );
    expectCompleted(second);
    // no registry token: no repository secret, CI pushes with the workflow's GITHUB_TOKEN
    expect(await registryLogin('cyberdyne')).toEqual({
      secrets: [],
      password: '${{ secrets.GITHUB_TOKEN }}',
      packagesWrite: true,
    });
    const after = await snapshot('cyberdyne');
    expect(after.repos.filter(r => r === 'cyberdyne')).toHaveLength(1);
    expect(after.gitopsCommits).toHaveLength(gitopsCommitsAfterFirst);
    expect(after.apps).toEqual([
      'cyberdyne-dev',
      'cyberdyne-preprod',
      'cyberdyne-prod',
    ]);
    expect(after.locations.filter(l => l.includes('/cyberdyne/'))).toHaveLength(
      1,
    );
  });

  it('a run stopped between creating the repository and pushing to it is completed by the next run', async () => {
    // what publish:github leaves when the task stops after its create call: an empty repository
    const gh = await env.clients.github.forRepo('acme/weyland');
    await gh.octokit.rest.repos.createInOrg({ org: 'acme', name: 'weyland' });
    // the precondition: it exists and has no commit (GitHub answers 409 for its commits)
    await expect(
      gh.octokit.rest.repos.listCommits({
        owner: 'acme',
        repo: 'weyland',
        request: { retries: 0 },
      }),
    ).rejects.toMatchObject({ status: 409 });
    const run = await runTask(values('weyland', { registryToken: false }), {
      secrets: {},
    });
    expectCompleted(run);
    expect(run.log).toContain(
      'acme/weyland exists but is empty (an earlier run stopped before pushing): the skeleton is pushed to it',
    );
    const after = await snapshot('weyland');
    expect(after.repos.filter(r => r === 'weyland')).toHaveLength(1);
    expect(after.serviceCommits).toHaveLength(1);
    expect(after.apps).toEqual([
      'weyland-dev',
      'weyland-preprod',
      'weyland-prod',
    ]);
    expect(after.locations.filter(l => l.includes('/weyland/'))).toHaveLength(
      1,
    );
    // the pushed branch is protected as publish:github would have left it
    const protection = await gh.octokit.rest.repos.getBranchProtection({
      owner: 'acme',
      repo: 'weyland',
      branch: 'main',
    });
    expect(
      protection.data.required_pull_request_reviews
        ?.required_approving_review_count,
    ).toBe(1);
  });
});
