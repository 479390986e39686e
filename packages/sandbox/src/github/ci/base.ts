import type { GithubService } from '../service';
import { getActionsStore } from '../actions-store';
import { Deployments } from '../deployments';
import type { RunRecord } from '../state';

/** Simulated seconds of each CI phase. */
export const CI_TIMINGS = { start: 2_000, build: 8_000, test: 12_000 };
export const CI_CHECKS = ['ci/build', 'ci/test'];
export const CI_FAIL_MARKER = '.sandbox/ci-fail';
/** Simulated time a workflow job runs. */
export const JOB_MS = CI_TIMINGS.test - CI_TIMINGS.start;
/** Simulated time before a dispatched workflow run appears (GitHub creates it asynchronously). */
export const DISPATCH_DELAY = 1_000;

/**
 * What the CI simulator's layers share: the GitHub service, the Actions store, deployments, and
 * timers on the sandbox clock (per workflow run, so a cancel or re-run clears them). The layers,
 * one file each under `ci/`: base → commitChecks → workflowFiles → runViews → jobs →
 * workflowRuns → `CiSimulator` (`ci.ts`, which reacts to pushes and pull requests).
 */
export class CiBase {
  #timers = new Set<NodeJS.Timeout>();
  #runTimers = new Map<number, NodeJS.Timeout[]>();
  readonly store;
  readonly deployments: Deployments;

  constructor(protected readonly svc: GithubService) {
    this.store = getActionsStore(svc);
    this.deployments = new Deployments(svc, this.store);
  }

  stop() {
    for (const t of this.#timers) this.svc.ctx.clock.clear(t);
    this.#timers.clear();
  }

  protected later(fn: () => void | Promise<void>, ms: number) {
    const t = this.svc.ctx.clock.setTimeout(() => {
      this.#timers.delete(t);
      Promise.resolve()
        .then(fn)
        .catch(err =>
          this.svc.ctx.logger.warn('github ci step failed', {
            error: String(err),
          }),
        );
    }, ms);
    this.#timers.add(t);
    return t;
  }

  protected timer(run: RunRecord, fn: () => void | Promise<void>, ms: number) {
    const t = this.later(fn, ms);
    const list = this.#runTimers.get(run.id) ?? [];
    list.push(t);
    this.#runTimers.set(run.id, list);
  }

  protected clearTimers(run: RunRecord) {
    for (const t of this.#runTimers.get(run.id) ?? [])
      this.svc.ctx.clock.clear(t);
    this.#runTimers.delete(run.id);
  }

  /** Keeps the metadata bounded on long-running sandboxes (oldest finished entries go first). */
  prune(limit = 5000) {
    const d = this.svc.data;
    const trim = <T>(list: T[], done: (x: T) => boolean, max: number): T[] => {
      let extra = list.length - max;
      if (extra <= 0) return list;
      return list.filter(x => !(extra > 0 && done(x) && extra-- > 0));
    };
    d.runs = trim(d.runs, r => r.status === 'completed', limit);
    d.statuses = trim(d.statuses, s => s.state !== 'pending', limit);
    d.suites = trim(d.suites, s => s.status === 'completed', limit);
    d.workflowRuns = trim(
      d.workflowRuns,
      r => r.status === 'completed',
      limit / 2,
    );
    if (this.store.data.jobs.length > limit)
      this.store.prune(new Set(d.workflowRuns.map(r => r.id)));
  }
}
