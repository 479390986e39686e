import type { IContainer } from 'kubernetes-models/v1';
import type { PodObject } from '../core/cluster';
import type { SandboxContext } from '../core/context';
import { isoNow, type MemoryClusterStore } from '../kubernetes/store';
import {
  behaviourOf,
  NODE_MEMORY_BYTES,
  serviceAndEnv,
  type Behaviour,
} from './behaviour';
import { NODE_NAME, type EventRecorder } from './events';
import { crashLines, missingEnvLines, oomLines, startupLines } from './logs';
import { s } from './objects';
import {
  newContainerId,
  podStatusOf,
  readinessLogLine,
  type ContainerRuntime,
  type PodRuntime,
} from './podRuntime';
import type { SimulatorState } from './state';

const MAX_BACKOFF_SECONDS = 300;

/**
 * The kubelet of the one simulated node: a runtime per pod and a state machine per container on
 * the simulated clock (creating → running → terminated → CrashLoopBackOff → restart …), driven
 * by each container's behaviour (env vars and chaos), with the events and log lines a real
 * node would produce; writes the pod status after every transition.
 */
export class Kubelet {
  #pods = new Map<string, PodRuntime>();
  /** Pods of bulk-seeded Deployments: they start already running. */
  #instantPods = new Set<string>();
  #ipSeq = 2;
  #stopped = false;

  constructor(
    private readonly ctx: SandboxContext,
    private readonly store: MemoryClusterStore,
    private readonly events: EventRecorder,
    private readonly state: SimulatorState,
  ) {}

  /** The next reconcile of this (new) pod starts it already running. */
  startInstantly(uid: string) {
    this.#instantPods.add(uid);
  }

  /** The pod is gone: stop its timers and drop its runtime and logs. */
  forget(uid: string) {
    const pr = this.#pods.get(uid);
    if (pr) {
      this.#clearTimers(pr);
      this.#pods.delete(pr.uid);
    }
    this.state.logs.forget(uid);
    this.#instantPods.delete(uid);
  }

  stop() {
    this.#stopped = true;
    for (const pr of this.#pods.values()) this.#clearTimers(pr);
  }

  /** Starts the runtime of a new pod, resumes a restored one, or stops a terminating one. */
  reconcile(ns: string, name: string) {
    const pod: PodObject | undefined = this.store.getRaw('v1/pods', ns, name);
    if (!pod) return;
    let pr = this.#pods.get(pod.metadata.uid!);
    if (pod.metadata.deletionTimestamp) {
      if (pr && !pr.deleted) this.#killPod(pod, pr);
      return;
    }
    if (pr) return;
    pr = this.#newRuntime(pod);
    this.#pods.set(pr.uid, pr);
    const instant = this.#instantPods.delete(pr.uid);
    const statuses = pod.status?.containerStatuses ?? [];
    if (!pod.spec?.nodeName) {
      this.store.update(
        'v1/pods',
        {
          ...pod,
          metadata: { ...pod.metadata, resourceVersion: undefined },
          spec: { ...pod.spec, nodeName: NODE_NAME },
        },
        { validate: false, raw: true },
      );
    }
    if (instant) {
      for (const c of pr.containers)
        this.#startContainer(pr, c, { quiet: true });
      this.#writePodStatus(pr);
      return;
    }
    if (statuses.length) {
      // restored from saved state: resume where the pod was
      for (const c of pr.containers) {
        const st = statuses.find(x => x.name === c.name);
        c.restartCount = st?.restartCount ?? 0;
        if (
          st?.state?.running ||
          st?.state?.terminated ||
          st?.state?.waiting?.reason === 'CrashLoopBackOff'
        ) {
          c.startedAt = st?.state?.running?.startedAt;
          this.#startContainer(pr, c, { quiet: true, resume: true });
        } else this.#scheduleCreation(pr, c);
      }
      this.#writePodStatus(pr);
      return;
    }
    this.events.record(
      pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${ns}/${name} to ${NODE_NAME}`,
      {
        source: { component: 'default-scheduler' },
      },
    );
    this.#writePodStatus(pr);
    for (const c of pr.containers) {
      this.events.record(
        pod,
        'Normal',
        'Pulled',
        `Container image "${c.image}" already present on machine`,
        {
          fieldPath: `spec.containers{${c.name}}`,
        },
      );
      this.#scheduleCreation(pr, c);
    }
  }

  #newRuntime(pod: PodObject): PodRuntime {
    const n = this.#ipSeq++;
    const now = isoNow(this.ctx.clock);
    return {
      uid: pod.metadata.uid!,
      namespace: pod.metadata.namespace!,
      name: pod.metadata.name,
      podIP:
        pod.status?.podIP ??
        `10.244.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`,
      startTime: pod.status?.startTime ?? now,
      containers: (pod.spec?.containers ?? []).map(c => ({
        name: c.name,
        image: c.image,
        state: 'creating',
        ready: false,
        restartCount: 0,
        containerID: newContainerId(),
      })),
      conditions: new Map(),
      deleted: false,
    };
  }

  #pod(pr: PodRuntime): PodObject | undefined {
    const pod: PodObject | undefined = this.store.getRaw(
      'v1/pods',
      pr.namespace,
      pr.name,
    );
    return pod && pod.metadata.uid === pr.uid ? pod : undefined;
  }

  #behaviour(pr: PodRuntime, c: ContainerRuntime): Behaviour | undefined {
    const pod = this.#pod(pr);
    if (!pod) return undefined;
    const spec = (pod.spec?.containers ?? []).find(
      x => x.name === c.name,
    );
    if (!spec) return undefined;
    const { service, env } = serviceAndEnv(pod);
    const chaos = this.state.chaos.get(service, env);
    return behaviourOf(spec, pod, chaos, this.#envFromKeys(pod, spec));
  }

  #envFromKeys(pod: PodObject, container: IContainer): Set<string> {
    const keys = new Set<string>();
    for (const src of container.envFrom ?? []) {
      const ref = src.configMapRef ?? src.secretRef;
      if (!ref?.name) continue;
      const obj = this.store.getRaw(
        src.configMapRef ? 'v1/configmaps' : 'v1/secrets',
        pod.metadata.namespace,
        ref.name,
      );
      for (const k of Object.keys({
        ...(obj?.data as object),
        ...(obj?.stringData as object),
      }))
        keys.add(`${src.prefix ?? ''}${k}`);
    }
    return keys;
  }

  #after(pr: PodRuntime, c: ContainerRuntime, seconds: number, fn: () => void) {
    if (c.timer) this.ctx.clock.clear(c.timer);
    c.timer = this.ctx.clock.setTimeout(() => {
      c.timer = undefined;
      if (pr.deleted || this.#stopped) return;
      try {
        fn();
      } catch (e) {
        this.ctx.logger.warn('simulator: container transition failed', {
          error: String((e as Error)?.stack ?? e),
        });
      }
    }, s(seconds));
  }

  #scheduleCreation(pr: PodRuntime, c: ContainerRuntime) {
    const b = this.#behaviour(pr, c);
    this.#after(pr, c, b?.startupSeconds ?? 5, () => {
      const pod = this.#pod(pr);
      if (!pod) return;
      this.events.record(
        pod,
        'Normal',
        'Created',
        `Created container: ${c.name}`,
        {
          fieldPath: `spec.containers{${c.name}}`,
        },
      );
      this.events.record(
        pod,
        'Normal',
        'Started',
        `Started container ${c.name}`,
        {
          fieldPath: `spec.containers{${c.name}}`,
        },
      );
      this.#startContainer(pr, c);
      this.#writePodStatus(pr);
    });
  }

  /** A container instance starts running; schedules what its behaviour makes happen next. */
  #startContainer(
    pr: PodRuntime,
    c: ContainerRuntime,
    opts: { quiet?: boolean; resume?: boolean } = {},
  ) {
    const b = this.#behaviour(pr, c);
    if (!b) return;
    c.behaviour = b;
    c.state = 'running';
    c.ready = false;
    c.terminated = undefined;
    if (!opts.resume || !c.startedAt) c.startedAt = isoNow(this.ctx.clock);
    if (!opts.resume) c.containerID = newContainerId();
    const pod = this.#pod(pr)!;
    const { service } = serviceAndEnv(pod);
    if (!opts.resume || !this.state.logs.has(pr.uid, c.name)) {
      this.state.logs.start(pr.uid, c.name, b.stack);
      const lines = startupLines(b.stack, service ?? pod.metadata.name, b);
      const upTo = b.missingEnv ? 1 : lines.length;
      for (const l of lines.slice(0, upTo))
        this.state.logs.append(pr.uid, c.name, l);
    }
    this.#runBehaviour(pr, c, b, opts.quiet ?? false);
  }

  #runBehaviour(
    pr: PodRuntime,
    c: ContainerRuntime,
    b: Behaviour,
    quiet: boolean,
  ) {
    if (c.probeTimer) this.ctx.clock.clear(c.probeTimer);
    c.probeTimer = undefined;
    if (b.missingEnv) {
      const variable = b.missingEnv;
      this.#after(pr, c, 0.5, () => {
        for (const l of missingEnvLines(b.stack, variable))
          this.state.logs.append(pr.uid, c.name, l);
        this.#terminate(pr, c, 'Error', 1);
      });
    } else if (b.crashOnStart) {
      const cause =
        b.crashMessage ??
        'failed to start: DEMO_CRASH_ON_START=true (simulated crash on start)';
      this.#after(pr, c, 1.5, () => {
        for (const l of crashLines(b.stack, cause))
          this.state.logs.append(pr.uid, c.name, l);
        this.#terminate(pr, c, 'Error', 1);
      });
    } else if (b.oom) {
      // memory grows while it starts: a fresh container is killed before it becomes ready;
      // a running one (chaos) stays ready until the kill
      this.#after(pr, c, quiet ? 1 : 0.5, () => {
        this.#after(pr, c, 2.5, () => {
          for (const l of oomLines(b.stack, b))
            this.state.logs.append(pr.uid, c.name, l);
          const pod = this.#pod(pr);
          if (pod)
            this.events.record(
              pod,
              'Warning',
              'OOMKilling',
              `Memory cgroup out of memory: Killed process 1 (${
                c.name
              }) total-vm:${Math.round(
                b.memoryDemandBytes / 1024,
              )}kB, anon-rss:${Math.round(
                (b.memoryLimitBytes ?? NODE_MEMORY_BYTES) / 1024,
              )}kB`,
              { source: { component: 'kernel-monitor', host: NODE_NAME } },
            );
          this.#terminate(pr, c, 'OOMKilled', 137);
        });
      });
    } else if (b.readinessFail) {
      c.ready = false;
      const probe = this.#probeOf(pr, c);
      const tick = () => {
        const pod = this.#pod(pr);
        if (!pod || pr.deleted || c.state !== 'running') return;
        this.events.record(
          pod,
          'Warning',
          'Unhealthy',
          `Readiness probe failed: HTTP probe failed with statuscode: 503`,
          {
            fieldPath: `spec.containers{${c.name}}`,
          },
        );
        this.state.logs.append(pr.uid, c.name, readinessLogLine(b.stack));
        c.probeTimer = this.ctx.clock.setTimeout(tick, s(probe.period));
      };
      this.#setReady(pr, c, false);
      c.probeTimer = this.ctx.clock.setTimeout(
        tick,
        s(Math.min(2, probe.period)),
      );
    } else {
      const probe = this.#probeOf(pr, c);
      if (quiet) this.#setReady(pr, c, true, false);
      else
        this.#after(pr, c, Math.max(1, probe.initialDelay), () =>
          this.#setReady(pr, c, true),
        );
    }
  }

  #probeOf(pr: PodRuntime, c: ContainerRuntime) {
    const spec = (this.#pod(pr)?.spec?.containers ?? []).find(
      x => x.name === c.name,
    );
    const p = spec?.readinessProbe ?? {};
    return {
      initialDelay: Number(p.initialDelaySeconds ?? 0),
      period: Math.max(1, Number(p.periodSeconds ?? 10)),
    };
  }

  #setReady(pr: PodRuntime, c: ContainerRuntime, ready: boolean, write = true) {
    if (c.state !== 'running') return;
    c.ready = ready;
    if (write) this.#writePodStatus(pr);
  }

  #terminate(
    pr: PodRuntime,
    c: ContainerRuntime,
    reason: string,
    exitCode: number,
  ) {
    if (c.probeTimer) this.ctx.clock.clear(c.probeTimer);
    c.probeTimer = undefined;
    c.state = 'terminated';
    c.ready = false;
    c.terminated = {
      exitCode,
      reason,
      startedAt: c.startedAt ?? isoNow(this.ctx.clock),
      finishedAt: isoNow(this.ctx.clock),
      containerID: `containerd://${c.containerID}`,
    };
    this.state.logs.stop(pr.uid, c.name);
    this.#writePodStatus(pr);
    this.#after(pr, c, 1, () => this.#enterBackoff(pr, c));
  }

  #enterBackoff(pr: PodRuntime, c: ContainerRuntime) {
    const pod = this.#pod(pr);
    if (!pod) return;
    const backoff = Math.min(10 * 2 ** c.restartCount, MAX_BACKOFF_SECONDS);
    c.state = 'backoff';
    c.backoffSeconds = backoff;
    c.lastTerminated = c.terminated;
    c.terminated = undefined;
    this.events.record(
      pod,
      'Warning',
      'BackOff',
      `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pr.uid})`,
      {
        fieldPath: `spec.containers{${c.name}}`,
      },
    );
    this.#writePodStatus(pr);
    this.#after(pr, c, backoff, () => this.#restart(pr, c));
  }

  #restart(pr: PodRuntime, c: ContainerRuntime) {
    const pod = this.#pod(pr);
    if (!pod) return;
    c.restartCount++;
    const fp = { fieldPath: `spec.containers{${c.name}}` };
    this.events.record(
      pod,
      'Normal',
      'Pulled',
      `Container image "${c.image}" already present on machine`,
      fp,
    );
    this.events.record(
      pod,
      'Normal',
      'Created',
      `Created container: ${c.name}`,
      fp,
    );
    this.events.record(
      pod,
      'Normal',
      'Started',
      `Started container ${c.name}`,
      fp,
    );
    this.#startContainer(pr, c);
    this.#writePodStatus(pr);
  }

  #killPod(pod: PodObject, pr: PodRuntime) {
    pr.deleted = true;
    this.#clearTimers(pr);
    for (const c of pr.containers) {
      if (c.state === 'running') {
        this.events.record(
          pod,
          'Normal',
          'Killing',
          `Stopping container ${c.name}`,
          {
            fieldPath: `spec.containers{${c.name}}`,
          },
        );
        this.state.logs.stop(pr.uid, c.name);
      }
      c.ready = false;
    }
    this.#writePodStatus(pr, true);
  }

  #clearTimers(pr: PodRuntime) {
    for (const c of pr.containers) {
      if (c.timer) this.ctx.clock.clear(c.timer);
      if (c.probeTimer) this.ctx.clock.clear(c.probeTimer);
      c.timer = c.probeTimer = undefined;
    }
  }

  /** Re-evaluates the pods of a service and environment after a chaos switch. */
  chaosChanged(service: string, env: string) {
    const pods = this.store
      .listRaw('v1/pods', {
        labelSelector: `app.kubernetes.io/name=${service}`,
      })
      .concat(
        this.store.listRaw('v1/pods', {
          labelSelector: `!app.kubernetes.io/name,backstage.io/kubernetes-id=${service}`,
        }),
      );
    for (const pod of pods) {
      if (serviceAndEnv(pod).env !== env || pod.metadata.deletionTimestamp)
        continue;
      const pr = this.#pods.get(pod.metadata.uid!);
      if (!pr) continue;
      for (const c of pr.containers) {
        const b = this.#behaviour(pr, c);
        if (!b) continue;
        const healthy = !b.missingEnv && !b.crashOnStart && !b.oom;
        if (c.state === 'running') {
          if (c.timer) this.ctx.clock.clear(c.timer);
          c.timer = undefined;
          c.behaviour = b;
          if (b.missingEnv) {
            // the variable disappears: the process restarts and fails its config check
            this.#after(pr, c, 1, () => {
              for (const l of missingEnvLines(b.stack, b.missingEnv!))
                this.state.logs.append(pr.uid, c.name, l);
              this.#terminate(pr, c, 'Error', 1);
            });
          } else this.#runBehaviour(pr, c, b, false);
        } else if (c.state === 'backoff' && healthy) {
          // recovered: restart soon instead of waiting for the full back-off
          this.#after(pr, c, 1, () => this.#restart(pr, c));
        }
      }
    }
  }

  #writePodStatus(pr: PodRuntime, terminating = false) {
    const pod = this.#pod(pr);
    if (!pod) return;
    const status = podStatusOf(pr, pod, isoNow(this.ctx.clock), terminating);
    this.store.replaceStatus(
      'v1/pods',
      pr.namespace,
      pr.name,
      status,
      undefined,
      { raw: true },
    );
  }
}
