import type { GithubService } from './service';

/**
 * Issues, repository labels, assignees, requested reviewers and review comments: the parts of
 * GitHub's issue model the core metadata (state.ts) does not hold. Issues and pull requests share
 * the repository's numbers (`next_number`), as on GitHub. Persisted as `state/github-issues.json`.
 */

export type IssueRecord = {
  id: number;
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  state_reason: 'completed' | 'not_planned' | 'reopened' | null;
  user: string;
  labels: string[];
  assignees: string[];
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  closed_by: string | null;
};

export type LabelRecord = {
  id: number;
  owner: string;
  repo: string;
  name: string;
  color: string;
  description: string | null;
};

export type ReviewCommentRecord = {
  id: number;
  owner: string;
  repo: string;
  number: number;
  review_id: number | null;
  user: string;
  body: string;
  path: string;
  line: number | null;
  side: 'LEFT' | 'RIGHT';
  commit_id: string;
  in_reply_to_id?: number;
  created_at: string;
  updated_at: string;
};

export type IssuesData = {
  issues: IssueRecord[];
  labels: LabelRecord[];
  /** Assignees of pull requests by `owner/repo#number` (issues keep theirs on the record). */
  pullAssignees: Record<string, string[]>;
  /** Requested reviewers (logins) of pull requests by `owner/repo#number`. */
  requestedReviewers: Record<string, string[]>;
  reviewComments: ReviewCommentRecord[];
  /** Auto-merge requests (enablePullRequestAutoMerge) by `owner/repo#number`. */
  autoMerge: Record<
    string,
    {
      enabledAt: string;
      enabledBy: string;
      mergeMethod: 'MERGE' | 'SQUASH' | 'REBASE';
    }
  >;
};

export const emptyIssuesData = (): IssuesData => ({
  issues: [],
  labels: [],
  pullAssignees: {},
  requestedReviewers: {},
  reviewComments: [],
  autoMerge: {},
});

export const itemKey = (owner: string, repo: string, number: number) =>
  `${owner}/${repo}#${number}`.toLowerCase();

const stores = new WeakMap<GithubService, IssuesStore>();

export class IssuesStore {
  data: IssuesData = emptyIssuesData();

  constructor(private readonly svc: GithubService) {}

  issue(owner: string, repo: string, number: number) {
    return this.data.issues.find(
      i => i.owner === owner && i.repo === repo && i.number === number,
    );
  }

  labelsOf(owner: string, repo: string) {
    return this.data.labels.filter(l => l.owner === owner && l.repo === repo);
  }

  label(owner: string, repo: string, name: string) {
    return this.labelsOf(owner, repo).find(
      l => l.name.toLowerCase() === name.toLowerCase(),
    );
  }

  /** The repository label `name`, created with GitHub's default color when it does not exist yet. */
  ensureLabel(owner: string, repo: string, name: string): LabelRecord {
    const found = this.label(owner, repo, name);
    if (found) return found;
    const l: LabelRecord = {
      id: this.svc.nextId(),
      owner,
      repo,
      name,
      color: 'ededed',
      description: null,
    };
    this.data.labels.push(l);
    return l;
  }

  assigneesOfPull(owner: string, repo: string, number: number) {
    return this.data.pullAssignees[itemKey(owner, repo, number)] ?? [];
  }

  requestedReviewers(owner: string, repo: string, number: number) {
    return this.data.requestedReviewers[itemKey(owner, repo, number)] ?? [];
  }
}

/** The issues store of a GitHub service (persisted as `github-issues`). */
export function getIssuesStore(svc: GithubService): IssuesStore {
  let s = stores.get(svc);
  if (!s) {
    s = new IssuesStore(svc);
    stores.set(svc, s);
    const store = s;
    svc.ctx.persistence.register('github-issues', {
      save: () => store.data,
      load: data => {
        store.data = { ...emptyIssuesData(), ...(data as Partial<IssuesData>) };
      },
    });
  }
  return s;
}
