import { ServiceUnavailableError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { ArgoCdApplication, LuffyClients } from '@openluffy/plugin-luffy-node';
import { examples } from './argocdAwaitHealthy.examples';
import { backoff } from './retry';
import { assertDnsLabel } from './validation';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

export type AppStatus = { app: string; instance: string; sync: string; health: string; revision: string; message?: string };

/** The per-environment status table of the task output (markdown). */
export function statusTable(
  statuses: AppStatus[],
  environments: Array<{ name: string; argocdApp: string; url?: string }>,
  instances: Array<{ name: string; url: string }>,
): string {
  const rows = statuses.map(s => {
    const e = environments.find(x => x.argocdApp === s.app);
    const inst = instances.find(i => i.name === s.instance);
    const app = inst ? `[${s.app}](${inst.url.replace(/\/$/, '')}/applications/argocd/${s.app})` : s.app;
    const url = e?.url ? `[${e.url.replace(/^https?:\/\//, '')}](${e.url})` : '';
    return `| ${e?.name ?? ''} | ${url} | ${app} | ${s.sync} | ${s.health} | ${s.revision.slice(0, 7)} |`;
  });
  return ['| environment | URL | Argo CD app | sync | health | revision |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

/**
 * `luffy:argocd:await-healthy`: waits until every Application is Synced and Healthy.
 * @public
 */
export function createLuffyArgocdAwaitHealthyAction(options: { clients: Pick<LuffyClients, 'argocd'> }) {
  const { argocd } = options.clients;
  return createTemplateAction({
    id: 'luffy:argocd:await-healthy',
    description:
      'Waits until every given Argo CD Application exists (created from git by the root app of apps, which is asked to refresh) and is Synced and Healthy, asking Argo CD to refresh instead of waiting for its poll; streams progress and on timeout fails with Argo CD\'s message and the unhealthy resource. Outputs a status per application.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        apps: z => z.array(z.string()).min(1).describe('Argo CD application names (e.g. the appNames output of luffy:config:resolve)'),
        rootApp: z => z.string().optional().describe('The app of apps that creates them from git (refreshed while they do not exist yet; default root)'),
        timeoutSeconds: z => z.number().optional().describe('How long to wait in all (default 300)'),
        environments: z =>
          z
            .array(z.object({ name: z.string(), argocdApp: z.string(), url: z.string().optional() }).passthrough())
            .optional()
            .describe('Resolved environments (luffy:config:resolve), to label the status table with environment names and URLs'),
      },
      output: {
        table: z => z.string().describe('Markdown table: environment, URL, Argo CD app (linked), sync, health, revision'),
        statuses: z => z.array(z.object({ app: z.string(), instance: z.string(), sync: z.string(), health: z.string(), revision: z.string() }).passthrough()).describe('Sync and health per application'),
      },
    },
    async handler(ctx) {
      const apps = ctx.input.apps.map(a => assertDnsLabel(a, 'Argo CD application'));
      const rootApp = assertDnsLabel(ctx.input.rootApp ?? 'root', 'Root application');
      const timeoutMs = (ctx.input.timeoutSeconds ?? 300) * 1000;
      if (ctx.isDryRun) {
        ctx.logger.info(`Dry run: would wait up to ${timeoutMs / 1000}s for ${apps.join(', ')} to be Synced and Healthy`);
        const planned = apps.map(app => ({ app, instance: '', sync: 'dry-run', health: 'dry-run', revision: '' }));
        ctx.output('statuses', planned);
        ctx.output('table', statusTable(planned, ctx.input.environments ?? [], []));
        return;
      }
      const deadline = Date.now() + timeoutMs;

      // 1. the root app creates the Applications from git: refresh it until they all exist
      const instanceOf = new Map<string, string>();
      const next = backoff(500, 4000);
      for (;;) {
        for (const app of apps) {
          if (instanceOf.has(app)) continue;
          const found = await argocd.findApplication(app);
          if (found[0]) instanceOf.set(app, found[0].instance);
        }
        const missing = apps.filter(a => !instanceOf.has(a));
        if (!missing.length) break;
        if (Date.now() > deadline) {
          throw new ServiceUnavailableError(
            `Argo CD has no application ${missing.join(', ')} after ${timeoutMs / 1000}s: is ${rootApp} (the app of apps) syncing the folder they were committed to?`,
          );
        }
        ctx.logger.info(`Waiting for Argo CD to create ${missing.join(', ')} from git (refreshing ${rootApp})`);
        try {
          await argocd.refresh(rootApp, { type: 'hard' });
        } catch (e: any) {
          ctx.logger.warn(`Could not refresh ${rootApp}: ${e?.message}`);
        }
        await sleep(next());
      }

      // 2. every app Synced and Healthy (the client refreshes, polls and explains a failure)
      const results = await Promise.allSettled(
        apps.map(app =>
          argocd.waitUntil(app, {
            instance: instanceOf.get(app),
            timeoutMs: Math.max(1000, deadline - Date.now()),
            intervalMs: 1000,
            onProgress: p => ctx.logger.info(`${app}: ${p.message}`),
          }),
        ),
      );
      const statuses: AppStatus[] = results.map((r, i) => {
        const app: ArgoCdApplication | undefined = r.status === 'fulfilled' ? r.value : (r.reason as any)?.app;
        return {
          app: apps[i],
          instance: instanceOf.get(apps[i]) ?? '',
          sync: app?.status?.sync?.status ?? 'Unknown',
          health: app?.status?.health?.status ?? 'Unknown',
          revision: app?.status?.sync?.revision ?? '',
          ...(r.status === 'rejected' ? { message: String((r.reason as Error)?.message ?? r.reason) } : {}),
        };
      });
      for (const s of statuses) ctx.logger.info(`${s.app.padEnd(24)} ${s.sync.padEnd(10)} ${s.health.padEnd(12)} ${s.revision.slice(0, 7)}`);
      ctx.output('statuses', statuses);
      ctx.output('table', statusTable(statuses, ctx.input.environments ?? [], argocd.instances()));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  });
}
