import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Incident } from '@openluffy/plugin-luffy-common';
import type {
  LuffyNotification,
  LuffyNotifier,
} from '@openluffy/plugin-luffy-node';

/** Slack/Discord-compatible incoming webhooks (`luffy.notifications.webhooks`). */
export function createWebhookNotifier(options: {
  webhooks: Array<{ url: string; type?: 'slack' | 'discord' }>;
  logger: LoggerService;
}): LuffyNotifier {
  return {
    id: 'webhooks',
    async notify(n) {
      const text = `*${n.title}*\n${n.text}${n.url ? `\n${n.url}` : ''}`;
      await Promise.all(
        options.webhooks.map(async hook => {
          try {
            const res = await fetch(hook.url, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(
                hook.type === 'discord'
                  ? { content: text.slice(0, 2000) }
                  : { text },
              ),
              signal: AbortSignal.timeout(5000),
            });
            if (!res.ok) {
              options.logger.warn(
                `Notification webhook answered ${res.status}`,
                { type: hook.type ?? 'slack' },
              );
            }
          } catch (e: any) {
            // never log the webhook URL: it is a secret
            options.logger.warn(
              `Notification webhook failed: ${e?.name ?? 'error'}`,
              { type: hook.type ?? 'slack' },
            );
          }
        }),
      );
    },
  };
}

/** What to say about an incident change; undefined when nobody needs to hear about it. */
export function incidentNotification(
  incident: Incident,
  options: { baseUrl?: string },
): LuffyNotification | undefined {
  const where = `${incident.workload} (${incident.env ?? incident.namespace})`;
  const url = options.baseUrl
    ? `${options.baseUrl.replace(
        /\/$/,
        '',
      )}/luffy?incident=${encodeURIComponent(incident.id)}`
    : undefined;
  const base = {
    kind: 'incident' as const,
    entityRef: incident.entityRef,
    incidentId: incident.id,
    url,
  };
  switch (incident.status) {
    case 'awaiting-approval':
      return {
        ...base,
        severity: 'warning',
        title: `Fix proposed for ${where}`,
        text: `${incident.reason}: ${incident.summary ?? ''}\nPull request: ${
          incident.pullRequestUrl ?? '-'
        }`,
      };
    case 'diagnosed':
      return {
        ...base,
        severity: 'warning',
        title: `${where} is failing (observe only)`,
        text: `${incident.reason}: ${incident.summary ?? ''}`,
      };
    case 'escalated':
      return {
        ...base,
        severity: 'error',
        title: `${where} needs a human`,
        text: `${incident.reason}: ${incident.summary ?? ''}`,
      };
    case 'healed':
      return {
        ...base,
        severity: 'success',
        title: `${where} healed`,
        text: incident.summary ?? incident.reason,
      };
    case 'failed':
      return {
        ...base,
        severity: 'error',
        title: `Heal of ${where} failed`,
        text: incident.summary ?? incident.reason,
      };
    default:
      return undefined;
  }
}
