import * as k8s from '@kubernetes/client-node';
import { Pod, Event } from 'kubernetes-models/v1';
import { Deployment, ReplicaSet } from 'kubernetes-models/apps/v1';
import {
  demoDeployment,
  runningPods,
  withTestCluster,
  type TestCluster,
  waitFor,
} from './__testUtils__/cluster';

jest.setTimeout(30000);

let c: TestCluster;
withTestCluster(x => (c = x), { namespaces: ['acme-dev'] });

const json = (o: unknown) => JSON.parse(JSON.stringify(o));

describe('Kubernetes workloads with @kubernetes/client-node', () => {
  it('creates a deployment whose pods become Running and Ready, and lists them by label', async () => {
    const created = await c.apps.createNamespacedDeployment({
      namespace: 'acme-dev',
      body: demoDeployment('checkout', 'acme-dev', { replicas: 2 }) as any,
    });
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.metadata?.generation).toBe(1);
    expect(() => new Deployment(json(created)).validate()).not.toThrow();

    const pods = await runningPods(
      c,
      'acme-dev',
      'app.kubernetes.io/name=checkout',
      2,
    );
    for (const p of pods) {
      expect(() => new Pod(json(p)).validate()).not.toThrow();
      expect(p.metadata?.name).toMatch(/^checkout-[a-z0-9]{10}-[a-z0-9]{5}$/);
      expect(
        p.status?.containerStatuses?.[0].state?.running?.startedAt,
      ).toBeTruthy();
      expect(p.metadata?.ownerReferences?.[0].kind).toBe('ReplicaSet');
    }
    // cluster-wide with selector (what Backstage's Kubernetes backend calls)
    const all = await c.core.listPodForAllNamespaces({
      labelSelector: 'backstage.io/kubernetes-id=checkout',
    });
    expect(all.items).toHaveLength(2);
    const none = await c.core.listPodForAllNamespaces({
      labelSelector: 'backstage.io/kubernetes-id in (nothing,else)',
    });
    expect(none.items).toHaveLength(0);

    const dep = await waitFor(async () => {
      const d = await c.apps.readNamespacedDeployment({
        name: 'checkout',
        namespace: 'acme-dev',
      });
      return d.status?.availableReplicas === 2 &&
        d.status.conditions?.some(
          x =>
            x.type === 'Progressing' && x.reason === 'NewReplicaSetAvailable',
        )
        ? d
        : undefined;
    }, 'deployment available');
    expect(dep.status?.readyReplicas).toBe(2);
    expect(dep.status?.updatedReplicas).toBe(2);
    expect(dep.status?.observedGeneration).toBe(1);
    expect(
      dep.status?.conditions?.find(x => x.type === 'Available')?.status,
    ).toBe('True');
    expect(() => new Deployment(json(dep)).validate()).not.toThrow();

    const rss = await c.apps.listNamespacedReplicaSet({
      namespace: 'acme-dev',
      labelSelector: 'app.kubernetes.io/name=checkout',
    });
    expect(rss.items).toHaveLength(1);
    expect(
      rss.items[0].metadata?.annotations?.['deployment.kubernetes.io/revision'],
    ).toBe('1');
    expect(() => new ReplicaSet(json(rss.items[0])).validate()).not.toThrow();

    const events = await c.core.listNamespacedEvent({ namespace: 'acme-dev' });
    const reasons = new Set(events.items.map(e => e.reason));
    for (const r of [
      'Scheduled',
      'Pulled',
      'Created',
      'Started',
      'ScalingReplicaSet',
      'SuccessfulCreate',
    ])
      expect(reasons).toContain(r);
    for (const e of events.items)
      expect(() => new Event(json(e)).validate()).not.toThrow();
  });

  it('scales a deployment through the scale subresource and a merge patch', async () => {
    const scale = await c.apps.readNamespacedDeploymentScale({
      name: 'checkout',
      namespace: 'acme-dev',
    });
    expect(scale.spec?.replicas).toBe(2);
    expect(scale.status?.selector).toBe('app.kubernetes.io/name=checkout');
    await c.apps.replaceNamespacedDeploymentScale({
      name: 'checkout',
      namespace: 'acme-dev',
      body: {
        metadata: { name: 'checkout', namespace: 'acme-dev' },
        spec: { replicas: 3 },
      },
    });
    await runningPods(c, 'acme-dev', 'app.kubernetes.io/name=checkout', 3);
    await c.apps.patchNamespacedDeployment(
      {
        name: 'checkout',
        namespace: 'acme-dev',
        body: { spec: { replicas: 1 } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await runningPods(c, 'acme-dev', 'app.kubernetes.io/name=checkout', 1);
  });

  it('watches pods (ADDED then MODIFIED) and reads logs with tailLines', async () => {
    const seen: Array<{ type: string; phase?: string; name?: string }> = [];
    const watch = new k8s.Watch(c.kc);
    const req = await watch.watch(
      '/api/v1/namespaces/acme-dev/pods',
      { labelSelector: 'app.kubernetes.io/name=watched' },
      (type, obj) =>
        seen.push({
          type,
          phase: obj?.status?.phase,
          name: obj?.metadata?.name,
        }),
      () => {},
    );
    await c.apps.createNamespacedDeployment({
      namespace: 'acme-dev',
      body: demoDeployment('watched', 'acme-dev') as any,
    });
    await waitFor(
      () => seen.some(e => e.type === 'MODIFIED' && e.phase === 'Running'),
      'MODIFIED Running event',
    );
    expect(seen[0].type).toBe('ADDED');
    expect(seen[0].phase ?? 'Pending').toBe('Pending');
    req.abort();

    const [pod] = await runningPods(
      c,
      'acme-dev',
      'app.kubernetes.io/name=watched',
      1,
    );
    const log = await c.core.readNamespacedPodLog({
      name: pod.metadata!.name!,
      namespace: 'acme-dev',
    });
    expect(log).toContain('watched');
    expect(log.split('\n').filter(Boolean).length).toBeGreaterThan(2);
    const tail = await c.core.readNamespacedPodLog({
      name: pod.metadata!.name!,
      namespace: 'acme-dev',
      container: 'app',
      tailLines: 1,
    });
    expect(tail.split('\n').filter(Boolean)).toHaveLength(1);
    await expect(
      c.core.readNamespacedPodLog({
        name: pod.metadata!.name!,
        namespace: 'acme-dev',
        previous: true,
      }),
    ).rejects.toMatchObject({ code: 400 });
  });

  it('deleting a pod makes the replica set recreate it; deleting a deployment cascades', async () => {
    const [pod] = await runningPods(
      c,
      'acme-dev',
      'app.kubernetes.io/name=watched',
      1,
    );
    await c.core.deleteNamespacedPod({
      name: pod.metadata!.name!,
      namespace: 'acme-dev',
    });
    const [replacement] = await runningPods(
      c,
      'acme-dev',
      'app.kubernetes.io/name=watched',
      1,
    );
    expect(replacement.metadata!.name).not.toBe(pod.metadata!.name);

    await c.apps.deleteNamespacedDeployment({
      name: 'watched',
      namespace: 'acme-dev',
    });
    await waitFor(async () => {
      const pods = await c.core.listNamespacedPod({
        namespace: 'acme-dev',
        labelSelector: 'app.kubernetes.io/name=watched',
      });
      const rss = await c.apps.listNamespacedReplicaSet({
        namespace: 'acme-dev',
        labelSelector: 'app.kubernetes.io/name=watched',
      });
      return pods.items.length === 0 && rss.items.length === 0;
    }, 'cascading delete');
  });

  it('a memory limit below DEMO_MEMORY_DEMAND gives OOMKilled + CrashLoopBackOff; a higher limit rolls out healthy pods', async () => {
    const env = [{ name: 'DEMO_MEMORY_DEMAND', value: '180Mi' }];
    await c.apps.createNamespacedDeployment({
      namespace: 'acme-dev',
      body: demoDeployment('recommender', 'acme-dev', {
        memoryLimit: '128Mi',
        env,
      }) as any,
    });
    const crashed = await waitFor(async () => {
      const list = await c.core.listNamespacedPod({
        namespace: 'acme-dev',
        labelSelector: 'app.kubernetes.io/name=recommender',
      });
      const p = list.items[0];
      const st = p?.status?.containerStatuses?.[0];
      return st &&
        st.restartCount > 0 &&
        st.state?.waiting?.reason === 'CrashLoopBackOff' &&
        st.lastState?.terminated?.reason === 'OOMKilled'
        ? p
        : undefined;
    }, 'OOMKilled + CrashLoopBackOff');
    const st = crashed.status!.containerStatuses![0];
    expect(st.lastState!.terminated!.exitCode).toBe(137);
    expect(st.ready).toBe(false);
    expect(() => new Pod(json(crashed)).validate()).not.toThrow();

    const prev = await c.core.readNamespacedPodLog({
      name: crashed.metadata!.name!,
      namespace: 'acme-dev',
      previous: true,
    });
    expect(prev).toContain('FATAL: out of memory');

    const events = await c.core.listNamespacedEvent({
      namespace: 'acme-dev',
      fieldSelector: `involvedObject.name=${
        crashed.metadata!.name
      },reason=BackOff`,
    });
    expect(events.items).toHaveLength(1);
    expect(events.items[0].type).toBe('Warning');
    expect(events.items[0].message).toContain(
      'Back-off restarting failed container app',
    );

    // fix: raise the limit above the demand (strategic merge patch, containers merged by name)
    await c.apps.patchNamespacedDeployment(
      {
        name: 'recommender',
        namespace: 'acme-dev',
        body: {
          spec: {
            template: {
              spec: {
                containers: [
                  { name: 'app', resources: { limits: { memory: '256Mi' } } },
                ],
              },
            },
          },
        },
      },
      k8s.setHeaderOptions(
        'Content-Type',
        k8s.PatchStrategy.StrategicMergePatch,
      ),
    );
    const healthy = await runningPods(
      c,
      'acme-dev',
      'app.kubernetes.io/name=recommender',
      1,
    );
    expect(healthy[0].spec?.containers[0].resources?.limits?.memory).toBe(
      '256Mi',
    );
    expect(healthy[0].spec?.containers[0].env?.[0].name).toBe(
      'DEMO_MEMORY_DEMAND',
    );
    const dep = await waitFor(async () => {
      const d = await c.apps.readNamespacedDeployment({
        name: 'recommender',
        namespace: 'acme-dev',
      });
      return d.status?.availableReplicas === 1 &&
        d.status.updatedReplicas === 1 &&
        d.status.replicas === 1
        ? d
        : undefined;
    }, 'rollout complete');
    expect(dep.metadata?.generation).toBe(2);
    expect(
      dep.metadata?.annotations?.['deployment.kubernetes.io/revision'],
    ).toBe('2');
    const rss = await c.apps.listNamespacedReplicaSet({
      namespace: 'acme-dev',
      labelSelector: 'app.kubernetes.io/name=recommender',
    });
    const revisions = rss.items.map(r => [
      r.metadata?.annotations?.['deployment.kubernetes.io/revision'],
      r.spec?.replicas,
    ]);
    expect(revisions.sort()).toEqual([
      ['1', 0],
      ['2', 1],
    ]);
  });

  it('a missing required env var crashes with a log line naming it', async () => {
    await c.apps.createNamespacedDeployment({
      namespace: 'acme-dev',
      body: demoDeployment('inventory', 'acme-dev', {
        env: [
          { name: 'DEMO_REQUIRED_ENV', value: 'DATABASE_URL,REDIS_URL' },
          { name: 'REDIS_URL', value: 'redis://x' },
        ],
      }) as any,
    });
    const pod = await waitFor(async () => {
      const list = await c.core.listNamespacedPod({
        namespace: 'acme-dev',
        labelSelector: 'app.kubernetes.io/name=inventory',
      });
      const st = list.items[0]?.status?.containerStatuses?.[0];
      return st?.lastState?.terminated?.reason === 'Error'
        ? list.items[0]
        : undefined;
    }, 'crash on missing env');
    expect(
      pod.status!.containerStatuses![0].lastState!.terminated!.exitCode,
    ).toBe(1);
    const log = await c.core.readNamespacedPodLog({
      name: pod.metadata!.name!,
      namespace: 'acme-dev',
      previous: true,
    });
    expect(log).toContain(
      'Error: required environment variable DATABASE_URL is not set',
    );

    // fix with a full replace (PUT, optimistic concurrency on resourceVersion)
    const current = await c.apps.readNamespacedDeployment({
      name: 'inventory',
      namespace: 'acme-dev',
    });
    current.spec!.template.spec!.containers[0].env!.push({
      name: 'DATABASE_URL',
      value: 'postgres://db/inventory',
    });
    const replaced = await c.apps.replaceNamespacedDeployment({
      name: 'inventory',
      namespace: 'acme-dev',
      body: current,
    });
    expect(replaced.metadata?.generation).toBe(2);
    await runningPods(c, 'acme-dev', 'app.kubernetes.io/name=inventory', 1);
    const stale: any = await c.apps
      .replaceNamespacedDeployment({
        name: 'inventory',
        namespace: 'acme-dev',
        body: current,
      })
      .catch(e => e);
    expect(stale.code).toBe(409);
  });
});
