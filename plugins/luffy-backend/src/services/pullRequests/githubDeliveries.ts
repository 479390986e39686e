import type { LoggerService } from '@backstage/backend-plugin-api';
import type { PullRequestEventPayload } from '@openluffy/plugin-luffy-common';
import type { LuffyEvents } from '../LuffyEvents';
import type { PullRequestService } from './types';

/** The pull request a GitHub delivery is about, when it names one. */
function pullRequestNumber(payload: any): number | undefined {
  return (
    payload.pull_request?.number ??
    payload.check_run?.pull_requests?.[0]?.number ??
    payload.check_suite?.pull_requests?.[0]?.number ??
    (typeof payload.number === 'number' ? payload.number : undefined)
  );
}

/**
 * What a verified webhook delivery does: refreshes the cached pull request lists of its
 * repository (viewers keep the previous list meanwhile, so no view waits for GitHub), then tells
 * every entity watching that repository (`pullRequest.changed` on `GET /events`), so open tabs
 * reload the fresh list without polling. The delivery is acknowledged at once; the refresh and
 * the events follow in the background.
 */
export function createGithubDeliveryHandler(options: {
  pullRequests: PullRequestService;
  events: LuffyEvents;
  logger: LoggerService;
}) {
  const { pullRequests, events, logger } = options;
  return async (delivery: { id: string; event: string; payload: any }) => {
    const repo: string | undefined = delivery.payload.repository?.full_name;
    if (!repo || delivery.event === 'ping') return;
    const publish = async () => {
      const entities = new Set([
        ...(await pullRequests.refresh(repo)),
        ...(await pullRequests.entitiesOfRepo(repo)),
      ]);
      const payload: PullRequestEventPayload = {
        repo,
        number: pullRequestNumber(delivery.payload),
        githubEvent: delivery.event,
        action: delivery.payload.action,
        sha:
          delivery.payload.pull_request?.head?.sha ??
          delivery.payload.check_run?.head_sha ??
          delivery.payload.check_suite?.head_sha ??
          delivery.payload.sha ??
          delivery.payload.after,
      };
      for (const entityRef of entities) {
        await events.publish({
          type: 'pullRequest.changed',
          entityRef,
          payload,
        });
      }
      logger.debug('GitHub delivery published', {
        delivery: delivery.id,
        event: delivery.event,
        repo,
        entities: entities.size,
      });
    };
    publish().catch(e =>
      logger.warn('Could not publish a GitHub delivery', {
        delivery: delivery.id,
        repo,
        error: (e as Error).message,
      }),
    );
  };
}
