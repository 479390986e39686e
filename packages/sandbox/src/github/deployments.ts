import type { GithubService } from './service';
import type {
  ActionsStore,
  DeploymentRecord,
  DeploymentStatusRecord,
  JobRecord,
} from './actions-store';
import type { EnvironmentRecord, RunRecord } from './state';
import * as S from './serialize';

const nodeId = (kind: string, id: number) =>
  Buffer.from(`0:${kind}${id}`).toString('base64').replace(/=+$/, '');

/**
 * Deployments and deployment statuses: the REST API's (`POST …/deployments`) and the ones a
 * workflow job with `environment:` creates (statuses waiting → in_progress → success/failure).
 */
export class Deployments {
  constructor(
    private readonly svc: GithubService,
    private readonly store: ActionsStore,
  ) {}

  /** The environment record, created when missing (GitHub creates environments on first use). */
  ensureEnvironment(owner: string, repo: string, name: string): EnvironmentRecord {
    let e = this.svc.data.environments.find(
      x => x.owner === owner && x.repo === repo && x.name === name,
    );
    if (!e) {
      const now = this.svc.now();
      e = {
        id: this.svc.nextId(),
        owner,
        repo,
        name,
        wait_timer: 0,
        reviewers: [],
        deployment_branch_policy: null,
        created_at: now,
        updated_at: now,
      };
      this.svc.data.environments.push(e);
    }
    return e;
  }

  create(
    owner: string,
    repo: string,
    input: {
      sha: string;
      ref: string;
      task?: string;
      payload?: Record<string, unknown> | string;
      environment?: string;
      description?: string | null;
      transient_environment?: boolean;
      production_environment?: boolean;
      run_id?: number;
    },
    creator: string,
  ): DeploymentRecord {
    const rec = this.svc.repo(owner, repo)!;
    const environment = input.environment ?? 'production';
    this.ensureEnvironment(owner, repo, environment);
    const now = this.svc.now();
    const d: DeploymentRecord = {
      id: this.svc.nextId(),
      owner,
      repo,
      repo_id: rec.id,
      sha: input.sha,
      ref: input.ref,
      task: input.task ?? 'deploy',
      payload: input.payload ?? {},
      original_environment: environment,
      environment,
      description: input.description ?? null,
      creator,
      created_at: now,
      updated_at: now,
      transient_environment: !!input.transient_environment,
      production_environment:
        input.production_environment ?? environment === 'production',
      ...(input.run_id ? { run_id: input.run_id } : {}),
    };
    this.store.data.deployments.push(d);
    this.svc.emitWebhook(
      owner,
      repo,
      'deployment',
      { action: 'created', deployment: this.serialize(d) },
      creator,
    );
    return d;
  }

  addStatus(
    d: DeploymentRecord,
    input: {
      state: DeploymentStatusRecord['state'];
      description?: string;
      log_url?: string;
      target_url?: string;
      environment_url?: string;
      environment?: string;
      auto_inactive?: boolean;
    },
    creator: string,
  ): DeploymentStatusRecord {
    const now = this.svc.now();
    if (input.environment && input.environment !== d.environment) {
      this.ensureEnvironment(d.owner, d.repo, input.environment);
      d.environment = input.environment;
    }
    const s: DeploymentStatusRecord = {
      id: this.svc.nextId(),
      deployment_id: d.id,
      state: input.state,
      description: input.description ?? '',
      environment: d.environment,
      target_url: input.target_url ?? input.log_url ?? '',
      log_url: input.log_url ?? input.target_url ?? '',
      environment_url: input.environment_url ?? '',
      creator,
      created_at: now,
      updated_at: now,
    };
    this.store.data.deploymentStatuses.push(s);
    d.updated_at = now;
    this.svc.emitWebhook(
      d.owner,
      d.repo,
      'deployment_status',
      {
        action: 'created',
        deployment_status: this.serializeStatus(s),
        deployment: this.serialize(d),
      },
      creator,
    );
    // a success makes earlier non-transient, non-production deployments of the environment inactive
    if (input.state === 'success' && input.auto_inactive !== false) {
      for (const other of this.store.data.deployments.filter(
        x =>
          x.id !== d.id &&
          x.repo_id === d.repo_id &&
          x.environment === d.environment &&
          !x.transient_environment &&
          !x.production_environment &&
          this.latestStatus(x)?.state === 'success',
      )) {
        const last = this.latestStatus(other)!;
        this.addStatus(
          other,
          {
            state: 'inactive',
            auto_inactive: false,
            target_url: last.target_url || undefined,
            log_url: last.log_url || undefined,
            environment_url: last.environment_url || undefined,
          },
          creator,
        );
      }
    }
    return s;
  }

  all(): DeploymentRecord[] {
    return this.store.data.deployments;
  }

  latestStatus(d: DeploymentRecord): DeploymentStatusRecord | undefined {
    const list = this.store.data.deploymentStatuses.filter(
      s => s.deployment_id === d.id,
    );
    return list[list.length - 1];
  }

  /** The deployment of a job with `environment:` (created on first call). */
  forJob(run: RunRecord, j: JobRecord): DeploymentRecord {
    const found = j.deployment_id
      ? this.store.data.deployments.find(d => d.id === j.deployment_id)
      : undefined;
    if (found) return found;
    const d = this.create(
      run.owner,
      run.repo,
      {
        sha: run.head_sha,
        ref: run.head_branch,
        environment: j.environment!,
        run_id: run.id,
        payload: {},
      },
      run.actor,
    );
    j.deployment_id = d.id;
    return d;
  }

  setStatus(j: JobRecord, state: DeploymentStatusRecord['state']) {
    const d = j.deployment_id
      ? this.store.data.deployments.find(x => x.id === j.deployment_id)
      : undefined;
    if (!d) return;
    const u = this.svc.urls();
    const log = `${u.base}/${d.owner}/${d.repo}/actions/runs/${j.run_id}/job/${j.id}`;
    this.addStatus(d, { state, log_url: log, target_url: log }, 'github-actions[bot]');
  }

  serialize(d: DeploymentRecord): S.Schemas['deployment'] {
    const u = this.svc.urls();
    const full = `${d.owner}/${d.repo}`;
    const url = `${u.api}/repos/${full}/deployments/${d.id}`;
    const creator = this.svc.ensureAccount(
      d.creator,
      d.creator.endsWith('[bot]') ? 'Bot' : 'User',
    );
    return {
      url,
      id: d.id,
      node_id: nodeId('Deployment', d.id),
      sha: d.sha,
      ref: d.ref,
      task: d.task,
      payload: d.payload as any,
      original_environment: d.original_environment,
      environment: d.environment,
      description: d.description,
      creator: S.simpleUser(u, creator),
      created_at: d.created_at,
      updated_at: d.updated_at,
      statuses_url: `${url}/statuses`,
      repository_url: `${u.api}/repos/${full}`,
      transient_environment: d.transient_environment,
      production_environment: d.production_environment,
    };
  }

  serializeStatus(s: DeploymentStatusRecord): S.Schemas['deployment-status'] {
    const d = this.store.data.deployments.find(x => x.id === s.deployment_id)!;
    const u = this.svc.urls();
    const full = `${d.owner}/${d.repo}`;
    const durl = `${u.api}/repos/${full}/deployments/${d.id}`;
    const creator = this.svc.ensureAccount(
      s.creator,
      s.creator.endsWith('[bot]') ? 'Bot' : 'User',
    );
    return {
      url: `${durl}/statuses/${s.id}`,
      id: s.id,
      node_id: nodeId('DeploymentStatus', s.id),
      state: s.state as any,
      creator: S.simpleUser(u, creator),
      description: s.description,
      environment: s.environment,
      target_url: s.target_url,
      created_at: s.created_at,
      updated_at: s.updated_at,
      deployment_url: durl,
      repository_url: `${u.api}/repos/${full}`,
      environment_url: s.environment_url,
      log_url: s.log_url,
    };
  }
}
