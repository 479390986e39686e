/*
 * Day-2 operations over the sandbox: per operation, the API calls it makes (the sandbox's
 * request counters, per system and endpoint) and its latency, for the dry run and the real
 * run. The latency is the operation's own (its requests and the reads around them): no
 * operation waits for a rollout, so the rollout that follows is not in it. Any set-up a run
 * needs (a new image tag in git for promote, a finished run for re-run, the confirmation
 * token of a destructive input) happens before the counters are reset. Figures only, never
 * pass/fail.
 */
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { V1Pod } from '@kubernetes/client-node';
import type { OperationResult } from '@openluffy/plugin-luffy-common';
import {
  createGitopsRepo,
  KUBERNETES_KINDS,
} from '@openluffy/plugin-luffy-node';
import { DEFAULT_TOKENS, waitFor } from '@openluffy/sandbox';
import { createLuffyEvents } from '../plugins/luffy-backend/src/services/LuffyEvents';
import { demoEntities } from '../plugins/luffy-backend/src/services/healing/__testUtils__/healingSandbox';
import { createOperations } from '../plugins/luffy-backend/src/services/operations';
import {
  memoryAuditLog,
  startLuffySandbox,
  switchablePermissions,
} from '../plugins/luffy-backend/src/__testUtils__/luffySandbox';

const ITERATIONS = 3;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

type Case = {
  label: string;
  entityRef?: string;
  operation: string;
  /** Set-up before a run (not counted); returns the input. */
  prepare: (i: number) => Promise<Record<string, unknown>>;
  /** After a run, before the next (not counted). */
  settle?: () => Promise<unknown>;
};

type Row = {
  label: string;
  dryCalls: number;
  calls: number;
  byEndpoint: Record<string, number>;
  dryMs: number[];
  ms: number[];
  listed: number;
  path: string;
  error?: string;
};

export async function run() {
  // quiet: failures show in the table's ERROR column
  const logger: any = {
    info() {},
    warn() {},
    error() {},
    debug() {},
    child() {
      return logger;
    },
  };
  const lab = await startLuffySandbox({
    name: 'bench-ops',
    logger,
    luffy: { operations: { maxReplicas: 20 } },
    waitForDemoApps: true,
  });
  const { sandbox, clients, config } = lab;
  try {
    const operations = createOperations({
      config,
      logger,
      auth: mockServices.auth(),
      catalog: catalogServiceMock({ entities: demoEntities() }),
      permissions: switchablePermissions(),
      clients,
      auditLog: memoryAuditLog(logger).auditLog,
      events: createLuffyEvents({ logger }),
      settings: {
        perUser: { limit: 10_000, windowMs: 60_000 },
        perEntity: { limit: 10_000, windowMs: 60_000 },
      },
    });
    const alice = mockCredentials.user('user:default/alice');
    const CHECKOUT = 'component:default/checkout';
    const INVENTORY = 'component:default/inventory';

    const control = (p: string, init?: { method: string; body?: unknown }) =>
      fetch(`${sandbox.urls.github}/_sandbox${p}`, {
        method: init?.method ?? 'GET',
        headers: { 'content-type': 'application/json' },
        body: init?.body ? JSON.stringify(init.body) : undefined,
      });
    const resetCounters = () => control('/counters', { method: 'DELETE' });
    const readCounters = async () =>
      (
        (await (await control('/counters')).json()) as {
          counters: Record<string, number>;
        }
      ).counters;
    const argocd = async (p: string, method: string, body: unknown) => {
      const res = await fetch(`${sandbox.urls.argocd}${p}`, {
        method,
        headers: {
          authorization: `Bearer ${DEFAULT_TOKENS.argocd}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${p}: HTTP ${res.status}`);
    };
    const gitops = async () =>
      createGitopsRepo({
        github: await clients.github.forRepo('acme/gitops'),
        owner: 'acme',
        repo: 'gitops',
      });
    const { octokit } = await clients.github.forRepo('acme/checkout');
    const checkoutRepo = { owner: 'acme', repo: 'checkout' };
    // no operation running (and, unless `synced` is false, in sync with git: a rollback
    // leaves the application OutOfSync on purpose)
    const idle = (app: string, synced = true) =>
      waitFor(
        async () => {
          const a = await clients.argocd.getApplication(app);
          return (
            a.status?.operationState?.phase !== 'Running' &&
            (!synced || a.status?.sync?.status === 'Synced')
          );
        },
        `${app} to be idle`,
        { timeoutMs: 90_000, intervalMs: 200 },
      );
    const setImageTag = async (service: string, env: string, tag: string) => {
      const repo = await gitops();
      const p = `apps/${service}/${env}/deployment.yaml`;
      const file = (await repo.readFile(p))!;
      await repo.commitFiles({
        message: `${service} ${env}: ${tag}`,
        files: [
          {
            path: p,
            content: file.content.replace(
              /(image: [^\s:]+\/checkout:)\S+/,
              `$1${tag}`,
            ),
          },
        ],
      });
    };
    const completedRun = async (runId: number) =>
      waitFor(
        async () =>
          (
            await octokit.actions.getWorkflowRun({
              ...checkoutRepo,
              run_id: runId,
            })
          ).data.status === 'completed',
        `run ${runId} to complete`,
        { timeoutMs: 90_000, intervalMs: 200 },
      );
    const dispatch = async () => {
      const r = await operations.run({
        entityRef: CHECKOUT,
        operation: 'workflow-dispatch',
        input: { workflow: 'ci.yaml' },
        credentials: alice,
      });
      return (r.details!.run as { id: number }).id;
    };

    // Argo CD's own paths (scale subresource, rollback API) need an application without
    // automated sync: inventory's dev and preprod (after the root app, which would self-heal).
    const noAuto = JSON.stringify({
      spec: { syncPolicy: { automated: null } },
    });
    for (const name of ['root', 'inventory-dev', 'inventory-preprod']) {
      await argocd(`/api/v1/applications/${name}`, 'PATCH', {
        patch: noAuto,
        patchType: 'merge',
      });
    }
    // two history entries on inventory-preprod for the rollback
    {
      const repo = await gitops();
      const p = 'apps/inventory/preprod/values.yaml';
      const file = (await repo.readFile(p))!;
      await repo.commitFiles({
        message: 'inventory preprod: bench',
        files: [
          {
            path: p,
            content: file.content.replace(
              'env_vars:\n',
              'env_vars:\n  BENCH: "1"\n',
            ),
          },
        ],
      });
      await clients.argocd.refresh('inventory-preprod');
      await clients.argocd.sync('inventory-preprod');
      await idle('inventory-preprod');
    }
    const inventoryReplicas = async () =>
      (
        await clients.kubernetes.getDeployment(
          'sandbox',
          (
            await clients.argocd.getApplication('inventory-dev')
          ).spec.destination!.namespace!,
          'inventory',
        )
      ).spec!.replicas!;
    let nextRunId = 0;
    let tagSeq = 0;

    const cases: Case[] = [
      {
        label: 'restart',
        operation: 'restart',
        prepare: async () => ({ environment: 'dev' }),
      },
      {
        label: 'scale (subresource)',
        entityRef: INVENTORY,
        operation: 'scale',
        prepare: async () => ({
          environment: 'dev',
          replicas: (await inventoryReplicas()) === 2 ? 3 : 2,
        }),
      },
      {
        label: 'scale (GitOps PR)',
        operation: 'scale',
        prepare: async i => ({ environment: 'preprod', replicas: 5 + i }),
      },
      {
        label: 'delete-pod',
        operation: 'delete-pod',
        prepare: async () => {
          const [list] = await clients.kubernetes.list<V1Pod>(
            KUBERNETES_KINDS.pods,
            {
              namespace: 'acme-prod',
              labelSelector: 'app.kubernetes.io/name=checkout',
            },
          );
          const pod = list.items.find(p => !p.metadata?.deletionTimestamp)!;
          return { environment: 'prod', pod: pod.metadata!.name };
        },
      },
      {
        label: 'promote (GitOps PR)',
        operation: 'promote',
        prepare: async () => {
          await setImageTag('checkout', 'dev', `1.6.${tagSeq++}`);
          return { from: 'dev' };
        },
      },
      {
        label: 'argocd-sync',
        operation: 'argocd-sync',
        prepare: async () => {
          await idle('checkout-prod');
          return { environment: 'prod' };
        },
        settle: () => idle('checkout-prod'),
      },
      {
        label: 'argocd-diff',
        operation: 'argocd-diff',
        prepare: async () => ({ environment: 'prod' }),
      },
      {
        label: 'argocd-refresh',
        operation: 'argocd-refresh',
        prepare: async () => ({ environment: 'prod' }),
      },
      {
        label: 'argocd-rollback (API)',
        entityRef: INVENTORY,
        operation: 'argocd-rollback',
        prepare: async () => {
          await idle('inventory-preprod', false);
          return { environment: 'preprod' };
        },
        settle: () => idle('inventory-preprod', false),
      },
      {
        label: 'argocd-rollback (revert PR)',
        operation: 'argocd-rollback',
        prepare: async () => {
          await setImageTag('checkout', 'dev', `1.7.${tagSeq++}`);
          return { environment: 'dev' };
        },
      },
      {
        label: 'workflow-dispatch',
        operation: 'workflow-dispatch',
        prepare: async () => ({ workflow: 'ci.yaml' }),
      },
      {
        label: 'workflow-cancel',
        operation: 'workflow-cancel',
        prepare: async () => {
          // real-time CI so the run is still in flight
          await control('/time-scale', {
            method: 'PUT',
            body: { timeScale: 1 },
          });
          nextRunId = await dispatch();
          return { runId: nextRunId };
        },
        settle: async () => {
          await control('/time-scale', {
            method: 'PUT',
            body: { timeScale: 20 },
          });
        },
      },
      {
        label: 'workflow-rerun',
        operation: 'workflow-rerun',
        prepare: async () => {
          nextRunId = await dispatch();
          await completedRun(nextRunId);
          return { runId: nextRunId };
        },
      },
      {
        label: 'investigate (rules)',
        operation: 'investigate',
        prepare: async () => ({
          question: 'why is checkout slow in prod?',
          environment: 'prod',
        }),
      },
    ];

    const rows: Row[] = [];
    for (const c of cases) {
      const row: Row = {
        label: c.label,
        dryCalls: 0,
        calls: 0,
        byEndpoint: {},
        dryMs: [],
        ms: [],
        listed: 0,
        path: '',
      };
      rows.push(row);
      try {
        for (let i = 0; i < ITERATIONS; i++) {
          const input = await c.prepare(i);
          const call = (extra: {
            dryRun?: boolean;
            confirmationToken?: string;
          }) =>
            operations.run({
              entityRef: c.entityRef ?? CHECKOUT,
              operation: c.operation,
              input,
              credentials: alice,
              ...extra,
            });
          await resetCounters();
          let t = performance.now();
          const dry = await call({ dryRun: true });
          row.dryMs.push(performance.now() - t);
          row.dryCalls += Object.values(await readCounters()).reduce(
            (a, b) => a + b,
            0,
          );
          // Argo CD runs dry runs (sync, rollback) as operations: let them finish
          if (c.settle) await c.settle();
          await resetCounters();
          t = performance.now();
          const result: OperationResult = await call({
            confirmationToken: dry.confirmation?.token,
          });
          row.ms.push(performance.now() - t);
          const counters = await readCounters();
          for (const [k, v] of Object.entries(counters)) {
            row.byEndpoint[k] = (row.byEndpoint[k] ?? 0) + v;
            row.calls += v;
          }
          row.listed = result.requests.length;
          row.path = result.path;
          if (c.settle) await c.settle();
        }
      } catch (e) {
        row.error = (e as Error).message.slice(0, 160);
      }
    }

    const n = (x: number) => (x / ITERATIONS).toFixed(1);
    const ms = (xs: number[]) =>
      xs.length ? `${pct(xs, 50).toFixed(0)}/${pct(xs, 95).toFixed(0)}` : '-';
    console.log(
      `\n${ITERATIONS} runs each (sandbox, time scale 20). calls = HTTP requests the sandbox counted per run (GitHub, Kubernetes, Argo CD); latency ms p50/max.\n`,
    );
    console.log(
      [
        'operation'.padEnd(28),
        'path'.padEnd(10),
        'dry calls'.padStart(9),
        'dry ms'.padStart(9),
        'calls'.padStart(7),
        'ms'.padStart(11),
        'listed'.padStart(7),
      ].join(' '),
    );
    for (const r of rows) {
      console.log(
        [
          r.label.padEnd(28),
          r.path.padEnd(10),
          n(r.dryCalls).padStart(9),
          ms(r.dryMs).padStart(9),
          n(r.calls).padStart(7),
          ms(r.ms).padStart(11),
          String(r.listed).padStart(7),
        ].join(' ') + (r.error ? `  ERROR ${r.error}` : ''),
      );
    }
    console.log('\nCalls per run by endpoint (real runs):');
    for (const r of rows) {
      const parts = Object.entries(r.byEndpoint)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${n(v)}× ${k}`);
      console.log(`  ${r.label}: ${parts.join(', ') || '-'}`);
    }
  } finally {
    await lab.stop();
  }
}
