import type { RepoRecord, WorkflowRecord } from '../state';
import {
  parseWorkflow,
  triggeredBy,
  type WorkflowFile,
} from '../workflow-file';
import { CommitChecks } from './commitChecks';

/** Workflows: the records of `.github/workflows/*.yml` and the files as they are at a commit. */
export class WorkflowFiles extends CommitChecks {
  /** Adds a workflow record for every file under .github/workflows on the default branch. */
  async syncWorkflows(rec: RepoRecord): Promise<WorkflowRecord[]> {
    const sha = await this.svc.ctx.git.resolve(
      rec.owner,
      rec.name,
      `refs/heads/${rec.default_branch}`,
    );
    const files = sha
      ? await this.svc.ctx.git.listFiles(
          rec.owner,
          rec.name,
          sha,
          '.github/workflows',
        )
      : [];
    for (const f of files.filter(x => /\.ya?ml$/.test(x))) {
      if (
        this.svc.data.workflows.some(
          w => w.owner === rec.owner && w.repo === rec.name && w.path === f,
        )
      )
        continue;
      const text =
        (
          await this.svc.ctx.git.readFile(rec.owner, rec.name, sha!, f)
        )?.toString('utf8') ?? '';
      const name = parseWorkflow(text)?.name ?? f;
      // re-checked after the awaits: concurrent syncs must not add a workflow twice
      if (
        this.svc.data.workflows.some(
          w => w.owner === rec.owner && w.repo === rec.name && w.path === f,
        )
      )
        continue;
      const now = this.svc.now();
      this.svc.data.workflows.push({
        id: this.svc.nextId(),
        owner: rec.owner,
        repo: rec.name,
        path: f,
        name,
        state: 'active',
        created_at: now,
        updated_at: now,
      });
    }
    return this.svc.data.workflows.filter(
      w => w.owner === rec.owner && w.repo === rec.name,
    );
  }

  /** The workflow file of `w` as it is at `sha` (undefined when missing or invalid). */
  async workflowFile(
    owner: string,
    repo: string,
    sha: string,
    w: WorkflowRecord,
  ): Promise<WorkflowFile | undefined> {
    const text = (
      await this.svc.ctx.git.readFile(owner, repo, sha, w.path)
    )?.toString('utf8');
    return text === undefined ? undefined : parseWorkflow(text);
  }

  protected async workflowsFor(
    rec: RepoRecord,
    sha: string,
    event: string,
    branch: string | null,
  ): Promise<WorkflowRecord[]> {
    const out: WorkflowRecord[] = [];
    for (const w of this.svc.data.workflows.filter(
      x => x.owner === rec.owner && x.repo === rec.name && x.state === 'active',
    )) {
      const wf = await this.workflowFile(rec.owner, rec.name, sha, w);
      if (wf && triggeredBy(wf, event, branch)) out.push(w);
    }
    return out;
  }
}
