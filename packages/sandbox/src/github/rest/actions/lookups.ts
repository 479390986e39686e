import type { GithubService } from '../../service';
import type { CiSimulator } from '../../ci';
import { GhError, notFound } from '../../errors';
import { findInRepo } from '../common';
import type { RepoRecord, RunRecord } from '../../state';

/** The lookups the Actions routes share: runs, attempts and jobs by id (404 when not there). */
export function actionsLookups(svc: GithubService, ci: CiSimulator) {
  const runById = (rec: RepoRecord, id: string) =>
    findInRepo(svc.data.workflowRuns, rec, x => String(x.id) === id);

  const attemptOf = (run: RunRecord, n: string) => {
    const attempt = Number(n);
    if (!Number.isInteger(attempt) || attempt < 1 || attempt > run.run_attempt)
      throw notFound();
    return attempt;
  };

  const mustBeDone = (run: RunRecord) => {
    if (run.status !== 'completed')
      throw new GhError(403, 'This workflow is already running');
  };

  const jobById = (rec: RepoRecord, id: string) =>
    findInRepo(ci.store.data.jobs, rec, j => String(j.id) === id);

  /** Attempt `attempt` of `run`: the latest execution of each job for the current attempt. */
  const jobsOfAttempt = (run: RunRecord, attempt: number) =>
    attempt === run.run_attempt
      ? ci.jobs(run)
      : ci.store.jobsOf(run.id).filter(j => j.run_attempt === attempt);

  return { runById, attemptOf, mustBeDone, jobById, jobsOfAttempt };
}
