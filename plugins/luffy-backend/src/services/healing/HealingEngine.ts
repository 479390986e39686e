import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  OPEN_INCIDENT_STATUSES,
  type Autonomy,
  type Diagnosis,
  type Incident,
  type IncidentDetail,
  type IncidentStatus,
} from '@openluffy/plugin-luffy-common';
import {
  KUBERNETES_KINDS,
  Redactor,
  applyPatchPolicy,
  detectFailures,
  patchManifest,
  type ArgoCdApplication,
  type DetectedFailure,
  type DetectionOptions,
  type GitopsRepo,
  type HealingDiagnoser,
  type LuffyClients,
  type LuffyDetector,
  type LuffyNotifier,
  type PatchBounds,
} from '@openluffy/plugin-luffy-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import type { AuditLog } from '../AuditLog';
import type { LuffyEvents } from '../LuffyEvents';
import { collectContext, type CollectedContext } from './context';
import { discoverTargets, targetOf, type ServiceTarget } from './discovery';
import { FluxKustomizations, kustomizationFailures } from './flux';
import { HealingStore, LUFFY_ACTOR } from './HealingStore';
import { incidentNotification } from './notifications';
import {
  HEALING_LABEL,
  failureFingerprint,
  healBranch,
  patchHash,
  pullRequestText,
} from './pullRequest';

/** Settings of the engine (from `luffy.healing.*`; see config.d.ts). */
export type HealingSettings = {
  autonomy: Autonomy;
  gitopsRepo?: string;
  maxAttempts: number;
  windowMs: number;
  maxPullRequestsPerHour: number;
  /** How long to follow Argo CD after a merge before the heal counts as failed. */
  verifyTimeoutMs: number;
  /** auto: merge by itself when the runbook healed ≥ minHeals times with ≥ minSuccessRate. */
  autoMerge: { minHeals: number; minSuccessRate: number };
  detection: DetectionOptions;
  bounds: PatchBounds;
  /** app.baseUrl, for links in PRs and notifications. */
  appBaseUrl?: string;
  prometheusUrl?: string;
  /** Values never to show anywhere (configured tokens and keys). */
  knownSecrets: string[];
};

/** Result of one sweep (figures for logs, tests and benchmarks). */
export type SweepResult = {
  services: number;
  entityErrors: number;
  failures: number;
  opened: string[];
  unmatched: number;
  clusterErrors: string[];
};

const MERGED_FOLLOW: IncidentStatus[] = ['fixing'];

/** Lists the catalog services (kind Component) — injected so tests and benches can stub it. */
export type EntitySource = () => Promise<Entity[]>;

/**
 * The healing loop: detect → dedupe into an incident → collect context → redact → diagnose
 * → policy → patch the manifest → pull request → per autonomy wait, or merge → follow Argo CD
 * → healed, failed or escalated. Every step is audited; every incident change is an event.
 */
export class HealingEngine {
  #targets: ServiceTarget[] = [];
  #lastFailures = new Map<string, DetectedFailure>();
  readonly #processing = new Map<string, Promise<void>>();
  readonly #limit = pLimit(4);
  #flux?: FluxKustomizations;

  constructor(
    private readonly deps: {
      store: HealingStore;
      auditLog: AuditLog;
      events: LuffyEvents;
      clients: LuffyClients;
      gitopsRepo: (repo: string) => Promise<GitopsRepo>;
      entities: EntitySource;
      diagnoser: HealingDiagnoser;
      detectors?: LuffyDetector[];
      notifiers?: LuffyNotifier[];
      notifyOwner?: (
        ownerRef: string,
        incident: Incident,
        title: string,
        text: string,
      ) => Promise<void>;
      settings: HealingSettings;
      logger: LoggerService;
    },
  ) {}

  get settings() {
    return this.deps.settings;
  }

  // ------------------------------------------------------------------ sweep

  /**
   * One reconcile sweep: discover services, ONE list per cluster and kind (pods, replica
   * sets, deployments, and Flux Kustomizations where Flux is installed) plus one Argo CD
   * application list, detect, open incidents (deduped),
   * process new ones and follow the open ones.
   */
  async sweep(options: { process?: boolean } = {}): Promise<SweepResult> {
    const { clients, logger } = this.deps;
    const { targets, statuses } = await this.#discover();

    const clusterErrors: string[] = [];
    const objects: Record<string, Record<string, KubernetesObject[]>> = {};
    const kinds = [
      KUBERNETES_KINDS.pods,
      KUBERNETES_KINDS.replicasets,
      KUBERNETES_KINDS.deployments,
    ];
    // Flux where it is installed (clusters without the CRD are skipped, and asked again later)
    this.#flux ??= new FluxKustomizations(clients.kubernetes);
    const fluxList = this.#flux.list().catch((e: any) => ({
      byCluster: {} as Record<string, KubernetesObject[]>,
      errors: [String(e?.message ?? e)],
    }));
    await Promise.all(
      kinds.map(async kind => {
        for (const list of await clients.kubernetes.list(kind)) {
          if (list.error) {
            clusterErrors.push(`${list.cluster}: ${list.error.message}`);
            continue;
          }
          (objects[list.cluster] ??= {})[kind.plural] = list.items;
        }
      }),
    );
    const flux = await fluxList;
    clusterErrors.push(...flux.errors.map(e => `flux ${e}`));
    for (const [cluster, items] of Object.entries(flux.byCluster)) {
      (objects[cluster] ??= {}).kustomizations = items;
    }
    let apps: ArgoCdApplication[] = [];
    try {
      apps = await clients.argocd.listApplications();
    } catch (e: any) {
      clusterErrors.push(`argocd: ${e?.message ?? e}`);
    }
    const snapshot = { objects, argoApplications: apps, now: new Date() };
    const failures = detectFailures(snapshot, this.settings.detection);
    for (const [cluster, items] of Object.entries(flux.byCluster)) {
      failures.push(...kustomizationFailures(cluster, items, snapshot.now));
    }
    for (const d of this.deps.detectors ?? []) {
      try {
        failures.push(...(await d.detect(snapshot)));
      } catch (e: any) {
        logger.warn(`Detector ${d.id} failed: ${e?.message ?? e}`);
      }
    }

    const { opened, unmatched, current } = await this.#openIncidents(
      failures,
      targets,
      'sweep',
    );
    this.#lastFailures = current;

    if (options.process !== false) {
      // new and stuck incidents (a replica that died mid-way leaves them in `detected`)
      for (const incident of await this.deps.store.listByStatus(['detected'])) {
        this.#schedule(incident.id);
      }
      await Promise.all([...this.#processing.values()]);
      await this.follow();
    }
    const result: SweepResult = {
      services: targets.length,
      entityErrors: statuses.filter(s => s.errors.length).length,
      failures: failures.length,
      opened,
      unmatched,
      clusterErrors,
    };
    if (opened.length || clusterErrors.length) {
      logger.info('Healing sweep', {
        ...result,
        opened: opened.length,
        clusterErrors: clusterErrors.join('; '),
      } as any);
    }
    return result;
  }

  /**
   * Detection driven by a watch: the watched objects of one cluster (an informer's cache,
   * no request) → incidents, deduplicated like the sweep's, and processed at once unless
   * `process` is false. The periodic sweep still reconciles what a watch cannot see (Argo
   * CD, detectors, failures that only time reveals).
   */
  async detectWatched(
    cluster: string,
    objects: Record<string, KubernetesObject[]>,
    options: { process?: boolean } = {},
  ): Promise<string[]> {
    const targets = this.#targets.length
      ? this.#targets
      : (await this.#discover()).targets;
    const failures = detectFailures(
      {
        objects: { [cluster]: objects },
        argoApplications: [],
        now: new Date(),
      },
      this.settings.detection,
    );
    const { opened, current } = await this.#openIncidents(
      failures,
      targets,
      'watch',
    );
    for (const [key, failure] of current) this.#lastFailures.set(key, failure);
    if (options.process !== false) {
      for (const id of opened) this.#schedule(id);
    }
    return opened;
  }

  /** Services from the catalog, their per-entity errors stored for the API and the tab. */
  async #discover() {
    const entities = await this.deps.entities();
    const discovered = discoverTargets(entities, {
      gitopsRepo: this.settings.gitopsRepo,
      autonomy: this.settings.autonomy,
    });
    this.#targets = discovered.targets;
    await this.deps.store.setEntityStatuses(discovered.statuses);
    return discovered;
  }

  /** Failures → incidents (deduplicated by key): the ids opened now. */
  async #openIncidents(
    failures: DetectedFailure[],
    targets: ServiceTarget[],
    via: 'sweep' | 'watch',
  ) {
    const { store } = this.deps;
    const current = new Map<string, DetectedFailure>();
    const opened: string[] = [];
    let unmatched = 0;
    for (const failure of failures) {
      const target = targetOf(failure, targets);
      if (!target) {
        unmatched++;
        continue;
      }
      failure.entityRef = target.entityRef;
      current.set(
        `${failure.cluster}/${failure.namespace}/${failure.workload}`,
        failure,
      );
      const findings = (failure.details?.findings as string[]) ?? [];
      const redactor = new Redactor(this.settings.knownSecrets);
      const { incident, created } = await store.openIncident({
        entityRef: target.entityRef,
        cluster: failure.cluster,
        namespace: failure.namespace,
        workload: failure.workload,
        workloadKind: failure.workloadKind,
        reason: failure.reason,
        env: failure.details?.env as string | undefined,
        fingerprint: failureFingerprint({ ...failure, findings }),
        autonomy: target.settings.autonomy,
        summary: redactor.text(failure.message ?? failure.reason),
        failure: redactor.value(failure),
      });
      if (created) {
        opened.push(incident.id);
        await this.deps.auditLog.record({
          actor: LUFFY_ACTOR,
          action: 'incident.detect',
          target: incident.entityRef,
          input: {
            incidentId: incident.id,
            key: incident.key,
            via,
            findings: redactor.lines(findings),
          },
          outcome: 'succeeded',
        });
        await this.#changed(incident, 'incident.created');
      }
    }
    return { opened, unmatched, current };
  }

  #schedule(id: string) {
    if (this.#processing.has(id)) return;
    const p = this.#limit(() => this.processIncident(id))
      .catch(e =>
        this.deps.logger.error(
          `Healing incident ${id} failed: ${e?.message ?? e}`,
        ),
      )
      .finally(() => this.#processing.delete(id));
    this.#processing.set(id, p);
  }

  // ------------------------------------------------------------------ process

  /** Runs the pipeline for a `detected` incident; a no-op if another replica claimed it. */
  async processIncident(id: string): Promise<void> {
    const { store, auditLog } = this.deps;
    const claimed = await store.transition(id, 'detected', 'diagnosing', {
      actor: LUFFY_ACTOR,
      reason: 'collecting context and diagnosing',
    });
    if (!claimed) return;
    await this.#changed(claimed, 'incident.updated');
    const incident = claimed;
    const failure = (await store.getFailure(id))!;
    const target = this.#targets.find(t => t.entityRef === incident.entityRef);
    if (!target) {
      await this.#move(
        incident,
        'diagnosing',
        'escalated',
        'the service is no longer in the catalog',
      );
      return;
    }

    const redactor = new Redactor(this.settings.knownSecrets);
    let collected: CollectedContext;
    try {
      collected = await auditLog.track(
        {
          actor: LUFFY_ACTOR,
          action: 'incident.collect',
          target: incident.entityRef,
          input: { incidentId: id },
        },
        () =>
          collectContext({
            failure,
            target,
            kubernetes: this.deps.clients.kubernetes,
            gitops: this.deps.gitopsRepo,
            // the GitOps history only matters for crashes (rollback when the crash began with it)
            lastChange: /CrashLoopBackOff|RestartLoop/.test(failure.reason)
              ? (repo, folder) => this.#lastChange(repo, folder)
              : undefined,
            prometheusUrl: this.settings.prometheusUrl,
            redactor,
            logger: this.deps.logger,
          }),
      );
    } catch (e: any) {
      await this.#move(
        incident,
        'diagnosing',
        'escalated',
        `context collection failed: ${redactor.text(String(e?.message ?? e))}`,
      );
      return;
    }
    await store.update(id, { context: collected.context });

    // diagnose (cached per failure fingerprint)
    const fingerprint = failureFingerprint({
      ...failure,
      findings: collected.context.findings,
    });
    let diagnosis: Diagnosis;
    try {
      diagnosis = await auditLog.track(
        {
          actor: LUFFY_ACTOR,
          action: 'incident.diagnose',
          target: incident.entityRef,
          input: {
            incidentId: id,
            diagnoser: this.deps.diagnoser.id,
            fingerprint,
          },
        },
        async () => {
          const cached = await store.cachedDiagnosis(
            fingerprint,
            this.deps.diagnoser.id,
          );
          if (cached) return cached;
          const d = await this.deps.diagnoser.diagnose({
            incidentId: id,
            failure,
            context: collected.context,
            workload: collected.workload,
            knownEnv: collected.knownEnv,
            lastChange: collected.lastChange,
            failingSince: collected.failingSince,
          });
          await store.cacheDiagnosis(fingerprint, this.deps.diagnoser.id, d);
          return d;
        },
      );
    } catch (e: any) {
      const message = redactor.text(String(e?.message ?? e));
      await store.update(id, { error: `diagnosis failed: ${message}` });
      await this.#move(
        incident,
        'diagnosing',
        'escalated',
        `diagnosis failed: ${message}`,
      );
      return;
    }

    // the patch policy, whatever the diagnoser said
    const workloadTarget = {
      namespace: incident.namespace,
      kind: failure.workloadKind ?? 'Deployment',
      name: incident.workload,
    };
    const policy = applyPatchPolicy(
      diagnosis.patch,
      workloadTarget,
      collected.workload,
      this.settings.bounds,
    );
    diagnosis = redactor.value({
      ...diagnosis,
      patch: policy.patch,
      policy: { refused: policy.refused, clamped: policy.clamped },
    });
    if (policy.refused.length) {
      await auditLog.record({
        actor: LUFFY_ACTOR,
        action: 'incident.policy',
        target: incident.entityRef,
        input: {
          incidentId: id,
          refused: policy.refused,
          clamped: policy.clamped,
        },
        outcome: 'denied',
      });
    }
    await store.update(id, {
      diagnosis,
      summary: diagnosis.rootCause.slice(0, 500),
    });

    const autonomy = target.settings.autonomy;
    if (autonomy === 'observe') {
      await this.#move(
        incident,
        'diagnosing',
        'diagnosed',
        'autonomy observe: diagnosis only',
      );
      return;
    }
    if (
      diagnosis.action === 'escalate' ||
      (diagnosis.action === 'propose' && !diagnosis.patch)
    ) {
      await this.#move(
        incident,
        'diagnosing',
        'escalated',
        diagnosis.action === 'propose'
          ? `no allowed change left after the policy: ${policy.refused.join(
              '; ',
            )}`
          : diagnosis.rootCause,
      );
      return;
    }
    await this.#propose(
      incident,
      target,
      collected,
      diagnosis,
      fingerprint,
      autonomy,
    );
  }

  async #propose(
    incident: Incident,
    target: ServiceTarget,
    collected: CollectedContext,
    diagnosis: Diagnosis,
    fingerprint: string,
    autonomy: Autonomy,
  ) {
    const { store, auditLog } = this.deps;
    const id = incident.id;
    const workloadKey = `${incident.cluster}/${incident.namespace}/${incident.workload}`;
    const now = Date.now();

    // caps
    const attempts = await store.attemptsOf(
      workloadKey,
      new Date(now - this.settings.windowMs),
    );
    if (attempts.some(a => a.outcome === 'pending' && a.incidentId !== id)) {
      const open = await store.openPullRequestOf(workloadKey);
      if (!open) {
        await this.#move(
          incident,
          'diagnosing',
          'diagnosed',
          'waiting for the outcome of the last heal of this workload',
        );
        return;
      }
    }
    if (attempts.length >= this.settings.maxAttempts) {
      await this.#move(
        incident,
        'diagnosing',
        'escalated',
        `${attempts.length} heal attempts for ${
          incident.workload
        } within ${Math.round(this.settings.windowMs / 3600_000)}h (cap ${
          this.settings.maxAttempts
        })`,
      );
      return;
    }
    if (
      (await store.attemptsSince(new Date(now - 3600_000))) >=
      this.settings.maxPullRequestsPerHour
    ) {
      await this.#move(
        incident,
        'diagnosing',
        'escalated',
        `global cap of ${this.settings.maxPullRequestsPerHour} healing pull requests per hour reached`,
      );
      return;
    }

    const manifest = collected.manifest;
    const repoName =
      manifest?.repo ??
      (target.settings.gitopsRepo &&
        `${target.settings.gitopsRepo.owner}/${target.settings.gitopsRepo.repo}`);
    if (!repoName) {
      await this.#move(
        incident,
        'diagnosing',
        'escalated',
        'no GitOps repository (annotation openluffy.io/gitops-repo or config luffy.gitops.repo)',
      );
      return;
    }

    let files: Array<{ path: string; content: string; previousSha?: string }> =
      [];
    let diff = '';
    if (diagnosis.action === 'propose') {
      if (!manifest) {
        await this.#move(
          incident,
          'diagnosing',
          'escalated',
          `no manifest of ${incident.workload} found in ${repoName} (openluffy.io/gitops-path, apps/<service>/<env>/, Helm values)`,
        );
        return;
      }
      try {
        const patched = patchManifest({
          path: manifest.path,
          content: manifest.content,
          format: manifest.format,
          patch: diagnosis.patch!,
        });
        if (!patched.changed) {
          await this.#move(
            incident,
            'diagnosing',
            'escalated',
            `${manifest.path} already has this configuration: the cluster drifted from git`,
          );
          return;
        }
        // the version read: one file over a known blob is written with PUT contents (5 calls)
        files = [
          {
            path: manifest.path,
            content: patched.after,
            previousSha: manifest.sha,
          },
        ];
        diff = new Redactor(this.settings.knownSecrets).text(patched.diff);
      } catch (e: any) {
        await this.#move(
          incident,
          'diagnosing',
          'escalated',
          `the patch cannot be applied: ${e?.message ?? e}`,
        );
        return;
      }
    }

    const hash = patchHash(
      diagnosis.patch,
      diagnosis.action === 'rollback'
        ? `rollback:${collected.lastChange?.sha}`
        : '',
    );
    const attempt = await store.recordAttempt({
      incidentId: id,
      workloadKey,
      fingerprint,
      patchHash: hash,
      runbookId: diagnosis.runbookId,
    });
    if (!attempt) {
      await this.#move(
        incident,
        'diagnosing',
        'escalated',
        'the same fix was proposed for this failure before: not proposing it twice',
      );
      return;
    }

    const existing = await store.openPullRequestOf(workloadKey);
    const branch = existing?.pullRequest?.branch ?? healBranch(incident);
    const entityUrl = this.#entityUrl(target);
    const { title, body } = pullRequestText({
      incident,
      diagnosis,
      diff,
      entityUrl,
      incidentUrl: this.#incidentUrl(id),
    });
    try {
      const repo = await this.deps.gitopsRepo(repoName);
      const pr = await auditLog.track(
        {
          actor: LUFFY_ACTOR,
          action:
            diagnosis.action === 'rollback'
              ? 'incident.revert'
              : 'incident.pullRequest',
          target: incident.entityRef,
          input: {
            incidentId: id,
            repo: repoName,
            branch,
            path: manifest?.path,
            updates: existing?.id,
          },
        },
        () =>
          diagnosis.action === 'rollback'
            ? repo.revertCommit({
                sha: collected.lastChange!.sha,
                branch,
                title,
                body,
                labels: [HEALING_LABEL],
              })
            : repo.openPullRequest({
                branch,
                title,
                body,
                message: `${title}\n\nOpenLuffy incident ${id}`,
                files,
                labels: [HEALING_LABEL],
              }),
      );
      await store.updateAttempt(id, {
        pullRequestNumber: pr.number,
        pullRequestUrl: pr.url,
      });
      const moved = await store.transition(
        id,
        'diagnosing',
        'awaiting-approval',
        {
          actor: LUFFY_ACTOR,
          reason: `${pr.created ? 'opened' : 'updated'} pull request ${pr.url}`,
        },
        {
          proposal: {
            repo: repoName,
            path: manifest?.path ?? '',
            branch: pr.branch,
            diff,
          },
          pullRequest: {
            url: pr.url,
            number: pr.number,
            state: 'open',
            branch: pr.branch,
          },
        },
      );
      if (moved) await this.#changed(moved, 'incident.updated');
    } catch (e: any) {
      await store.updateAttempt(id, { outcome: 'failed' });
      await store.update(id, {
        error: `pull request failed: ${e?.message ?? e}`,
      });
      await this.#move(
        incident,
        'diagnosing',
        'escalated',
        `the pull request could not be opened: ${e?.message ?? e}`,
      );
      return;
    }

    if (
      autonomy === 'auto' &&
      diagnosis.runbookId &&
      (await this.#proven(diagnosis.runbookId))
    ) {
      try {
        await this.approve(id, {
          actor: LUFFY_ACTOR,
          reason: `auto: runbook ${diagnosis.runbookId} is proven`,
        });
      } catch (e: any) {
        this.deps.logger.warn(
          `Automatic merge of incident ${id} failed: ${e?.message ?? e}`,
        );
      }
    }
  }

  async #proven(runbookId: string): Promise<boolean> {
    const { minHeals, minSuccessRate } = this.settings.autoMerge;
    const outcomes = await this.deps.store.runbookOutcomes(
      runbookId,
      Math.max(minHeals, 20),
    );
    if (outcomes.length < minHeals) return false;
    return (
      outcomes.filter(o => o === 'healed').length / outcomes.length >=
      minSuccessRate
    );
  }

  // ------------------------------------------------------------------ decisions

  /** Approves the fix: merges its pull request and follows Argo CD. */
  async approve(
    id: string,
    options: {
      actor: string;
      reason?: string;
      mergeMethod?: 'squash' | 'merge' | 'rebase';
    },
  ): Promise<IncidentDetail> {
    const { store, auditLog } = this.deps;
    const detail = await store.getDetail(id);
    if (
      detail.status !== 'awaiting-approval' ||
      !detail.pullRequest ||
      !detail.proposal
    ) {
      throw new ConflictError(
        `Incident ${id} is ${detail.status}: only an incident awaiting approval with a pull request can be approved`,
      );
    }
    return auditLog.track(
      {
        actor: options.actor,
        action: 'incident.approve',
        target: detail.entityRef,
        input: {
          incidentId: id,
          pullRequest: detail.pullRequest.url,
          mergeMethod: options.mergeMethod ?? 'squash',
          reason: options.reason,
        },
      },
      async () => {
        // claim first (conditional): of two concurrent approvals only one merges
        const claimed = await store.transition(
          id,
          'awaiting-approval',
          'fixing',
          {
            actor: options.actor,
            reason: options.reason ?? 'approved',
          },
        );
        if (!claimed)
          throw new ConflictError(`Incident ${id} was decided meanwhile`);
        try {
          const [owner, repo] = detail.proposal!.repo.split('/');
          const gh = await this.deps.clients.github.forRepo({ owner, repo });
          const pr = await gh.octokit.pulls.get({
            owner,
            repo,
            pull_number: detail.pullRequest!.number,
          });
          let mergeSha = pr.data.merge_commit_sha ?? undefined;
          if (!pr.data.merged) {
            if (pr.data.state !== 'open')
              throw new ConflictError(
                `Pull request ${pr.data.html_url} is closed`,
              );
            const merged = await gh.octokit.pulls.merge({
              owner,
              repo,
              pull_number: detail.pullRequest!.number,
              sha: pr.data.head.sha,
              merge_method: options.mergeMethod ?? 'squash',
              commit_title: `${pr.data.title} (#${pr.data.number})`,
            });
            mergeSha = merged.data.sha;
          }
          await store.update(
            id,
            {
              pullRequest: { ...detail.pullRequest!, state: 'merged' },
              proposal: { ...detail.proposal!, mergeSha },
            },
            ['fixing'],
          );
          const incident = await store.getIncident(id);
          await this.#changed(incident, 'incident.updated');
          return store.getDetail(id);
        } catch (e: any) {
          // nothing half-done: back to awaiting approval
          await store.transition(id, 'fixing', 'awaiting-approval', {
            actor: LUFFY_ACTOR,
            reason: `merge failed: ${e?.message ?? e}`,
          });
          if (e?.status === 405 || e?.status === 409) {
            throw new ConflictError(
              `The pull request cannot be merged: ${e?.message ?? e}`,
            );
          }
          throw e;
        }
      },
    );
  }

  /** Dismisses an open incident (closing its pull request). */
  async dismiss(
    id: string,
    options: { actor: string; reason?: string },
  ): Promise<IncidentDetail> {
    const { store, auditLog } = this.deps;
    const detail = await store.getDetail(id);
    if (!OPEN_INCIDENT_STATUSES.includes(detail.status)) {
      throw new ConflictError(`Incident ${id} is already ${detail.status}`);
    }
    return auditLog.track(
      {
        actor: options.actor,
        action: 'incident.dismiss',
        target: detail.entityRef,
        input: { incidentId: id, reason: options.reason },
      },
      async () => {
        const moved = await store.transition(
          id,
          OPEN_INCIDENT_STATUSES,
          'dismissed',
          {
            actor: options.actor,
            reason: options.reason ?? 'dismissed',
          },
        );
        if (!moved)
          throw new ConflictError(`Incident ${id} was decided meanwhile`);
        if (detail.pullRequest?.state === 'open' && detail.proposal) {
          const [owner, repo] = detail.proposal.repo.split('/');
          try {
            const gh = await this.deps.clients.github.forRepo({ owner, repo });
            await gh.octokit.pulls.update({
              owner,
              repo,
              pull_number: detail.pullRequest.number,
              state: 'closed',
            });
            await store.update(
              id,
              { pullRequest: { ...detail.pullRequest, state: 'closed' } },
              ['dismissed'],
            );
          } catch (e: any) {
            this.deps.logger.warn(
              `Closing ${detail.pullRequest.url} failed: ${e?.message ?? e}`,
            );
          }
        }
        await store.updateAttempt(id, { outcome: 'dismissed' });
        await this.#changed(moved, 'incident.updated');
        return store.getDetail(id);
      },
    );
  }

  // ------------------------------------------------------------------ follow

  /**
   * Follows open incidents: a PR merged on GitHub moves to `fixing`; a merged fix becomes
   * `healed` once Argo CD synced it and the workload is Healthy with no failure left, or
   * `failed` after the verify timeout (a revert pull request is offered); an incident whose
   * failure cleared by itself before any fix is `healed`.
   */
  async follow(): Promise<void> {
    const { store } = this.deps;
    for (const incident of await store.listByStatus([
      'detected',
      'diagnosed',
      'awaiting-approval',
      ...MERGED_FOLLOW,
    ])) {
      const key = `${incident.cluster}/${incident.namespace}/${incident.workload}`;
      const failing = this.#lastFailures.get(key);
      try {
        if (incident.status === 'diagnosed' && !failing) {
          await this.#move(
            incident,
            'diagnosed',
            'healed',
            'the failure cleared without a change',
          );
        } else if (incident.status === 'awaiting-approval') {
          await this.#followPullRequest(incident);
        } else if (incident.status === 'fixing') {
          await this.#followRollout(incident, failing);
        }
      } catch (e: any) {
        this.deps.logger.warn(
          `Following incident ${incident.id} failed: ${e?.message ?? e}`,
        );
      }
    }
  }

  async #followPullRequest(incident: Incident) {
    const detail = await this.deps.store.getDetail(incident.id);
    if (!detail.pullRequest || !detail.proposal) return;
    const [owner, repo] = detail.proposal.repo.split('/');
    const gh = await this.deps.clients.github.forRepo({ owner, repo });
    const pr = await gh.octokit.pulls.get({
      owner,
      repo,
      pull_number: detail.pullRequest.number,
    });
    if (pr.data.merged) {
      const moved = await this.deps.store.transition(
        incident.id,
        'awaiting-approval',
        'fixing',
        {
          actor: pr.data.merged_by?.login
            ? `github:${pr.data.merged_by.login}`
            : LUFFY_ACTOR,
          reason: 'pull request merged on GitHub',
        },
        {
          pullRequest: { ...detail.pullRequest, state: 'merged' },
          proposal: {
            ...detail.proposal,
            mergeSha: pr.data.merge_commit_sha ?? undefined,
          },
        },
      );
      if (moved) await this.#changed(moved, 'incident.updated');
    } else if (pr.data.state === 'closed') {
      await this.deps.store.updateAttempt(incident.id, {
        outcome: 'dismissed',
      });
      await this.#move(
        incident,
        'awaiting-approval',
        'dismissed',
        'pull request closed without merge',
        {
          pullRequest: { ...detail.pullRequest, state: 'closed' },
        },
      );
    }
  }

  async #followRollout(
    incident: Incident,
    failing: DetectedFailure | undefined,
  ) {
    const detail = await this.deps.store.getDetail(incident.id);
    const mergeSha = detail.proposal?.mergeSha;
    const fixingSince = [...detail.timeline]
      .reverse()
      .find(t => t.to === 'fixing')?.at;
    const since = fixingSince ? new Date(fixingSince).getTime() : Date.now();
    const target = this.#targets.find(t => t.entityRef === incident.entityRef);
    const apps = await this.#appsOf(incident, target);
    const deployed =
      apps.length > 0 &&
      apps.every(
        app =>
          app.status?.sync?.status === 'Synced' &&
          app.status?.health?.status === 'Healthy' &&
          (!mergeSha ||
            app.status?.sync?.revision === mergeSha ||
            (app.status?.history ?? []).some(h => h.revision === mergeSha)),
      );
    if (deployed && !failing) {
      await this.deps.store.updateAttempt(incident.id, { outcome: 'healed' });
      const minutes = Math.max(
        0,
        (Date.now() - new Date(incident.createdAt).getTime()) / 60_000,
      );
      await this.#move(
        incident,
        'fixing',
        'healed',
        `Argo CD synced ${
          mergeSha?.slice(0, 7) ?? 'the fix'
        } and the workload is Healthy (time to heal ${minutes.toFixed(1)} min)`,
      );
      return;
    }
    if (Date.now() - since > this.settings.verifyTimeoutMs) {
      await this.deps.store.updateAttempt(incident.id, { outcome: 'failed' });
      let revertUrl: string | undefined;
      if (mergeSha && detail.proposal) {
        try {
          const repo = await this.deps.gitopsRepo(detail.proposal.repo);
          const pr = await this.deps.auditLog.track(
            {
              actor: LUFFY_ACTOR,
              action: 'incident.revert',
              target: incident.entityRef,
              input: { incidentId: incident.id, sha: mergeSha },
            },
            () =>
              repo.revertCommit({
                sha: mergeSha,
                branch: `${healBranch(incident)}-revert`,
                title: `Revert heal of ${incident.workload} (${
                  incident.env ?? incident.namespace
                })`,
                body: `The fix of incident ${incident.id} did not make ${
                  incident.workload
                } healthy within ${Math.round(
                  this.settings.verifyTimeoutMs / 60_000,
                )} minutes. This reverts it (Argo CD refuses rollbacks while auto-sync is on).`,
                labels: [HEALING_LABEL],
              }),
          );
          revertUrl = pr.url;
        } catch (e: any) {
          this.deps.logger.warn(
            `Revert PR for incident ${incident.id} failed: ${e?.message ?? e}`,
          );
        }
      }
      await this.#move(
        incident,
        'fixing',
        'failed',
        `not healthy ${Math.round(
          this.settings.verifyTimeoutMs / 60_000,
        )} min after the merge${failing ? ` (${failing.reason})` : ''}${
          revertUrl ? `; revert offered: ${revertUrl}` : ''
        }`,
        revertUrl && detail.proposal
          ? {
              proposal: { ...detail.proposal, revertPullRequestUrl: revertUrl },
            }
          : {},
      );
    }
  }

  async #appsOf(
    incident: Incident,
    target: ServiceTarget | undefined,
  ): Promise<ArgoCdApplication[]> {
    const { argocd } = this.deps.clients;
    let apps: ArgoCdApplication[] = [];
    if (target?.argoAppName) {
      apps = await argocd.findApplication(target.argoAppName);
    } else if (target?.argoSelector) {
      apps = await argocd.listApplications({
        selector: Object.entries(target.argoSelector)
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      });
    }
    return apps.filter(
      a =>
        !a.spec.destination?.namespace ||
        a.spec.destination.namespace === incident.namespace,
    );
  }

  // ------------------------------------------------------------------ helpers

  /**
   * The last change of the workload's GitOps folder, when there is an earlier version to roll
   * back to (the folder's first commit has nothing before it).
   */
  async #lastChange(repoName: string, folder: string) {
    const [owner, repo] = repoName.split('/');
    const gh = await this.deps.clients.github.forRepo({ owner, repo });
    const { data } = await gh.octokit.repos.listCommits({
      owner,
      repo,
      path: folder,
      per_page: 2,
    });
    const c = data[0];
    if (!c || data.length < 2) return undefined;
    return {
      sha: c.sha,
      message: c.commit.message,
      at:
        c.commit.committer?.date ??
        c.commit.author?.date ??
        new Date(0).toISOString(),
    };
  }

  async #move(
    incident: Incident,
    from: IncidentStatus,
    to: IncidentStatus,
    reason: string,
    fields: Parameters<HealingStore['transition']>[4] = {},
  ) {
    const moved = await this.deps.store.transition(
      incident.id,
      from,
      to,
      { actor: LUFFY_ACTOR, reason },
      fields,
    );
    if (moved) {
      await this.deps.auditLog.record({
        actor: LUFFY_ACTOR,
        action: `incident.${to}`,
        target: incident.entityRef,
        input: { incidentId: incident.id, from, reason },
        outcome: 'succeeded',
      });
      await this.#changed(moved, 'incident.updated');
    }
    return moved;
  }

  async #changed(
    incident: Incident,
    type: 'incident.created' | 'incident.updated',
  ) {
    try {
      await this.deps.events.publish({
        type,
        entityRef: incident.entityRef,
        payload: incident,
      });
    } catch (e: any) {
      this.deps.logger.warn(`Publishing ${type} failed: ${e?.message ?? e}`);
    }
    const n = incidentNotification(incident, {
      baseUrl: this.settings.appBaseUrl,
    });
    if (!n) return;
    for (const notifier of this.deps.notifiers ?? []) {
      notifier
        .notify(n)
        .catch(e =>
          this.deps.logger.warn(
            `Notifier ${notifier.id} failed: ${e?.message ?? e}`,
          ),
        );
    }
    const owner = this.#targets.find(
      t => t.entityRef === incident.entityRef,
    )?.owner;
    if (owner && this.deps.notifyOwner) {
      this.deps
        .notifyOwner(owner, incident, n.title, n.text)
        .catch(e =>
          this.deps.logger.warn(
            `Owner notification failed: ${e?.message ?? e}`,
          ),
        );
    }
  }

  #entityUrl(target: ServiceTarget) {
    if (!this.settings.appBaseUrl) return undefined;
    const e = target.entity;
    return `${this.settings.appBaseUrl.replace(/\/$/, '')}/catalog/${
      e.metadata.namespace ?? 'default'
    }/${e.kind.toLowerCase()}/${e.metadata.name}/luffy-healing`;
  }

  #incidentUrl(id: string) {
    return this.settings.appBaseUrl
      ? `${this.settings.appBaseUrl.replace(/\/$/, '')}/luffy?incident=${id}`
      : undefined;
  }

  /** Healing status of entities (per-entity errors of the last sweep). */
  async entityStatus(entityRef?: string) {
    return this.deps.store.entityStatuses({ entityRef });
  }

  /** Used by tests: checks an incident exists. */
  async detail(id: string) {
    const d = await this.deps.store.getDetail(id);
    if (!d) throw new NotFoundError(id);
    return d;
  }
}
