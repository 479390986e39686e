import type { ArgoCdApplication } from '../argocd/types';
import { detectFailures, deploymentFindings, podFindings } from './detect';

const now = new Date('2026-12-04T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000).toISOString();

function pod(name: string, containerStatuses: any[], extra: any = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'acme-dev',
      labels: { 'pod-template-hash': 'abc12', 'openluffy.io/env': 'dev' },
      ownerReferences: [
        {
          kind: 'ReplicaSet',
          name: 'checkout-abc12',
          controller: true,
          apiVersion: 'apps/v1',
          uid: 'u',
        },
      ],
      ...extra.metadata,
    },
    status: { containerStatuses },
  } as any;
}

const deployment = (conditions: any[], extra: any = {}) =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'checkout',
      namespace: 'acme-dev',
      labels: { 'backstage.io/kubernetes-id': 'checkout' },
    },
    spec: { replicas: 1 },
    status: { conditions, ...extra },
  } as any);

const snapshot = (objects: any, apps: ArgoCdApplication[] = []) => ({
  objects: { sandbox: objects },
  argoApplications: apps,
  now,
});

describe('podFindings', () => {
  it('finds OOMKilled in the current and in the last state', () => {
    const current = pod('p1', [
      {
        name: 'app',
        state: { terminated: { reason: 'OOMKilled', exitCode: 137 } },
        restartCount: 0,
      },
    ]);
    const last = pod('p2', [
      {
        name: 'app',
        state: { running: { startedAt: ago(1) } },
        lastState: {
          terminated: {
            reason: 'OOMKilled',
            exitCode: 137,
            finishedAt: ago(2),
          },
        },
        ready: false,
        restartCount: 1,
      },
    ]);
    expect(podFindings(current, now).map(f => f.reason)).toEqual(['OOMKilled']);
    expect(podFindings(last, now).map(f => f.reason)).toEqual(['OOMKilled']);
  });

  it('ignores an OOMKilled last state older than the window when the pod runs fine since', () => {
    const old = pod('p', [
      {
        name: 'app',
        state: { running: { startedAt: ago(3600) } },
        lastState: {
          terminated: {
            reason: 'OOMKilled',
            exitCode: 137,
            finishedAt: ago(3601),
          },
        },
        ready: true,
        restartCount: 1,
      },
    ]);
    expect(podFindings(old, now)).toEqual([]);
  });

  it('finds CrashLoopBackOff and restart loops only inside the window', () => {
    const p = pod('p', [
      {
        name: 'app',
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: {
          terminated: { reason: 'Error', exitCode: 1, finishedAt: ago(30) },
        },
        restartCount: 6,
      },
    ]);
    expect(podFindings(p, now).map(f => f.reason)).toEqual([
      'CrashLoopBackOff',
      'RestartLoop',
    ]);
    expect(
      podFindings(p, now, { restartThreshold: 7 }).map(f => f.reason),
    ).toEqual(['CrashLoopBackOff']);
    expect(
      podFindings(p, now, { restartWindowMs: 10_000 }).map(f => f.reason),
    ).toEqual(['CrashLoopBackOff']);
  });

  it('finds readiness failing only after the grace period', () => {
    const young = pod('p', [
      {
        name: 'app',
        state: { running: { startedAt: ago(10) } },
        ready: false,
        restartCount: 0,
      },
    ]);
    const old = pod('p', [
      {
        name: 'app',
        state: { running: { startedAt: ago(120) } },
        ready: false,
        restartCount: 0,
      },
    ]);
    const healthy = pod('p', [
      {
        name: 'app',
        state: { running: { startedAt: ago(120) } },
        ready: true,
        restartCount: 0,
      },
    ]);
    expect(podFindings(young, now)).toEqual([]);
    expect(podFindings(old, now).map(f => f.reason)).toEqual([
      'ReadinessFailing',
    ]);
    expect(podFindings(healthy, now)).toEqual([]);
  });
});

describe('deploymentFindings', () => {
  it('reports unavailable replicas past the progress deadline, not while progressing', () => {
    expect(
      deploymentFindings(
        deployment(
          [
            {
              type: 'Progressing',
              status: 'True',
              reason: 'ReplicaSetUpdated',
            },
          ],
          {
            unavailableReplicas: 1,
          },
        ),
      ),
    ).toEqual([]);
    expect(
      deploymentFindings(
        deployment(
          [
            {
              type: 'Progressing',
              status: 'False',
              reason: 'ProgressDeadlineExceeded',
              message: 'ReplicaSet "x" has timed out progressing.',
            },
          ],
          { unavailableReplicas: 1 },
        ),
      ).map(f => f.reason),
    ).toEqual(['ProgressDeadlineExceeded']);
  });
});

describe('detectFailures', () => {
  const degradedApp: ArgoCdApplication = {
    metadata: { name: 'checkout-dev', namespace: 'argocd' },
    spec: { destination: { namespace: 'acme-dev' } },
    status: {
      health: { status: 'Degraded' },
      resources: [
        {
          kind: 'Deployment',
          name: 'checkout',
          health: { status: 'Degraded', message: 'x' },
        },
      ],
    },
    instance: 'sandbox',
  };

  it('gives one failure per workload, its most specific reason first, the rest as evidence', () => {
    const failures = detectFailures(
      snapshot(
        {
          pods: [
            pod('checkout-abc12-aaaaa', [
              {
                name: 'checkout',
                state: { waiting: { reason: 'CrashLoopBackOff' } },
                lastState: {
                  terminated: {
                    reason: 'OOMKilled',
                    exitCode: 137,
                    finishedAt: ago(5),
                  },
                },
                restartCount: 2,
              },
            ]),
          ],
          replicasets: [
            {
              metadata: {
                name: 'checkout-abc12',
                namespace: 'acme-dev',
                ownerReferences: [
                  { kind: 'Deployment', name: 'checkout', controller: true },
                ],
              },
            },
          ],
          deployments: [deployment([])],
        },
        [degradedApp],
      ),
    );
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      cluster: 'sandbox',
      namespace: 'acme-dev',
      workload: 'checkout',
      workloadKind: 'Deployment',
      reason: 'OOMKilled',
      pods: ['checkout-abc12-aaaaa'],
      containers: ['checkout'],
    });
    const findings = (failures[0].details as any).findings as string[];
    expect(findings.map(f => f.split(':')[0])).toEqual([
      'OOMKilled',
      'CrashLoopBackOff',
      'ArgoCDDegraded',
    ]);
    expect((failures[0].details as any).env).toBe('dev');
  });

  it('finds the workload without the ReplicaSet in the snapshot, and nothing for healthy pods', () => {
    const failures = detectFailures(
      snapshot({
        pods: [
          pod('checkout-abc12-aaaaa', [
            {
              name: 'checkout',
              state: { terminated: { reason: 'OOMKilled' } },
              restartCount: 0,
            },
          ]),
          pod('other-abc12-bbbbb', [
            {
              name: 'x',
              state: { running: { startedAt: ago(500) } },
              ready: true,
              restartCount: 0,
            },
          ]),
        ],
      }),
    );
    expect(failures.map(f => `${f.workload}:${f.reason}`)).toEqual([
      'checkout:OOMKilled',
    ]);
  });

  it('reports Argo CD Degraded and failed operations on their own (no Argo CD "SyncFailed")', () => {
    const failed: ArgoCdApplication = {
      metadata: { name: 'inventory-dev', namespace: 'argocd' },
      spec: { destination: { namespace: 'acme-dev' } },
      status: {
        operationState: {
          phase: 'Failed',
          message: 'one or more objects failed to apply',
        },
      },
      instance: 'sandbox',
    };
    const failures = detectFailures(
      snapshot({ pods: [] }, [degradedApp, failed]),
    );
    expect(failures.map(f => `${f.workload}:${f.reason}`)).toEqual([
      'checkout:ArgoCDDegraded',
      'inventory-dev:ArgoCDOperationFailed',
    ]);
    const ok = {
      ...failed,
      status: {
        operationState: { phase: 'Succeeded' },
        health: { status: 'Healthy' },
      },
    };
    expect(detectFailures(snapshot({}, [ok]))).toEqual([]);
  });
});
