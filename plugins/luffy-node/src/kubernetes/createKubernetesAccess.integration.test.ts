import { ConfigReader } from '@backstage/config';
import { InputError, NotFoundError } from '@backstage/errors';
import { DEFAULT_TOKENS, waitFor } from '@openluffy/sandbox';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { startTestSandbox, type TestSandbox } from '../__testUtils__/sandbox';
import { createKubernetesAccess } from './createKubernetesAccess';
import { KUBERNETES_KINDS } from './kinds';
import type { KubernetesAccess, KubernetesWatchEvent } from './types';

jest.setTimeout(90_000);

describe('createKubernetesAccess against the sandbox', () => {
  let sbx: TestSandbox;
  let k8s: KubernetesAccess;

  beforeAll(async () => {
    sbx = await startTestSandbox({ timeScale: 50 });
    k8s = createKubernetesAccess({ config: sbx.config, logger: sbx.logger });
    await waitFor(
      async () => {
        const [r] = await k8s.list<V1Pod>(KUBERNETES_KINDS.pods, {
          labelSelector: 'backstage.io/kubernetes-id=checkout',
        });
        return r.items.filter(p => p.status?.phase === 'Running').length >= 3;
      },
      'checkout pods running',
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  }, 180_000); // the sandbox starts slower when other suites share the CPU
  afterAll(async () => {
    await sbx?.stop();
  });

  const kubeCalls = async (filter: (k: string) => boolean = () => true) => {
    const { counters } = await sbx.control('counters?family=kubernetes', { family: 'kubernetes' });
    return Object.entries(counters as Record<string, number>)
      .filter(([k]) => !k.includes('_sandbox') && filter(k))
      .reduce((a, [, v]) => a + v, 0);
  };

  it('lists a kind cluster-wide with ONE request per cluster', async () => {
    await sbx.control('counters', { method: 'DELETE', family: 'kubernetes' });
    const [result] = await k8s.list<V1Deployment>(KUBERNETES_KINDS.deployments, {
      labelSelector: 'backstage.io/kubernetes-id=checkout',
    });
    expect(result.cluster).toBe('sandbox');
    expect(result.error).toBeUndefined();
    expect(result.items.map(d => d.metadata?.namespace).sort()).toEqual([
      'acme-dev',
      'acme-preprod',
      'acme-prod',
    ]);
    expect(result.items[0].kind).toBe('Deployment');
    expect(result.resourceVersion).toBeDefined();
    expect(await kubeCalls()).toBe(1);
  });

  it('reports a failing cluster per cluster instead of failing the whole list', async () => {
    const config = new ConfigReader({
      kubernetes: {
        clusterLocatorMethods: [
          {
            type: 'config',
            clusters: [
              { name: 'sandbox', url: sbx.urls.kubernetes, authProvider: 'serviceAccount', serviceAccountToken: DEFAULT_TOKENS.kubernetes, skipTLSVerify: true },
              { name: 'wrong-token', url: sbx.urls.kubernetes, authProvider: 'serviceAccount', serviceAccountToken: 'nope', skipTLSVerify: true },
            ],
          },
        ],
      },
    });
    const two = createKubernetesAccess({ config, logger: sbx.logger });
    const results = await two.list(KUBERNETES_KINDS.namespaces);
    expect(results.map(r => r.cluster)).toEqual(['sandbox', 'wrong-token']);
    expect(results[0].error?.message).toBeUndefined();
    expect(results[0].items.length).toBeGreaterThan(0);
    expect(results[1].error?.message).toMatch(/Kubernetes wrong-token: list namespaces failed/);
  });

  it('gets deployments and names what is missing', async () => {
    const d = await k8s.getDeployment('sandbox', 'acme-dev', 'checkout');
    expect(d.spec?.template.spec?.containers[0].name).toBeDefined();
    const missing = await k8s.getDeployment('sandbox', 'acme-dev', 'nope').catch(e => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.message).toMatch(/Kubernetes sandbox: get deployment acme-dev\/nope failed: .*not found/);
    expect(() => k8s.kubeConfig('other')).toThrow(NotFoundError);
  });

  it('reads pod logs (tail, previous container) and events of an object', async () => {
    const [{ items: pods }] = await k8s.list<V1Pod>(KUBERNETES_KINDS.pods, {
      namespace: 'acme-dev',
      labelSelector: 'backstage.io/kubernetes-id=checkout',
    });
    const pod = pods[0];
    const container = pod.spec!.containers[0].name;
    const logs = await k8s.podLogs('sandbox', 'acme-dev', pod.metadata!.name!, {
      container,
      tailLines: 2,
    });
    expect(logs.trim().split('\n').length).toBeLessThanOrEqual(2);
    expect(logs.length).toBeGreaterThan(0);
    const previous = await k8s
      .podLogs('sandbox', 'acme-dev', pod.metadata!.name!, { container, previous: true })
      .catch(e => e);
    // no restart yet: Kubernetes answers 400 "previous terminated container not found"
    expect(previous).toBeInstanceOf(InputError);
    const events = await k8s.events('sandbox', 'acme-dev', { kind: 'Pod', name: pod.metadata!.name! });
    expect(events.length).toBeGreaterThan(0);
    expect(events.every(e => e.involvedObject.name === pod.metadata!.name)).toBe(true);
  });

  it('restarts a rollout the way kubectl does, and dry-runs change nothing', async () => {
    const before = await k8s.getDeployment('sandbox', 'acme-dev', 'recommender');
    const dry = await k8s.rolloutRestart('sandbox', 'acme-dev', 'recommender', { dryRun: true });
    expect(dry.deployment.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBe(dry.restartedAt);
    const unchanged = await k8s.getDeployment('sandbox', 'acme-dev', 'recommender');
    expect(unchanged.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);

    const { restartedAt } = await k8s.rolloutRestart('sandbox', 'acme-dev', 'recommender');
    const after = await k8s.getDeployment('sandbox', 'acme-dev', 'recommender');
    expect(after.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBe(restartedAt);
    // labels of the pod template are kept (strategic merge patch)
    expect(after.spec?.template.metadata?.labels).toEqual(before.spec?.template.metadata?.labels);
    expect(after.metadata?.generation).toBeGreaterThan(before.metadata!.generation!);
  });

  it('scales through the scale subresource and returns the previous replicas', async () => {
    const before = await k8s.getDeployment('sandbox', 'acme-preprod', 'checkout');
    const dry = await k8s.scale('sandbox', 'acme-preprod', 'checkout', 3, { dryRun: true });
    expect(dry.previousReplicas).toBe(before.spec?.replicas);
    expect((await k8s.getDeployment('sandbox', 'acme-preprod', 'checkout')).spec?.replicas).toBe(before.spec?.replicas);
    const r = await k8s.scale('sandbox', 'acme-preprod', 'checkout', 3);
    expect(r).toEqual({ previousReplicas: before.spec?.replicas, replicas: 3 });
    expect((await k8s.getDeployment('sandbox', 'acme-preprod', 'checkout')).spec?.replicas).toBe(3);
    await expect(k8s.scale('sandbox', 'acme-preprod', 'checkout', -1)).rejects.toBeInstanceOf(InputError);
  });

  it('watches with resourceVersion, deletes a pod, and relists after 410 Gone (sandbox restart)', async () => {
    const events: KubernetesWatchEvent<V1Pod>[] = [];
    const errors: Error[] = [];
    const [{ resourceVersion }] = await k8s.list(KUBERNETES_KINDS.pods, {
      labelSelector: 'backstage.io/kubernetes-id=inventory',
    });
    const watch = k8s.watch<V1Pod>('sandbox', KUBERNETES_KINDS.pods, {
      labelSelector: 'backstage.io/kubernetes-id=inventory',
      resourceVersion,
      onEvent: e => events.push(e),
      onError: e => errors.push(e),
    });
    try {
      const [{ items }] = await k8s.list<V1Pod>(KUBERNETES_KINDS.pods, {
        namespace: 'acme-prod',
        labelSelector: 'backstage.io/kubernetes-id=inventory',
      });
      const victim = items[0].metadata!.name!;
      await k8s.deletePod('sandbox', 'acme-prod', victim, { dryRun: true });
      await k8s.deletePod('sandbox', 'acme-prod', victim);
      await waitFor(
        () => events.some(e => e.type === 'DELETED' && e.object.metadata?.name === victim),
        'the DELETED event of the pod',
        { timeoutMs: 20_000 },
      );
      // only changes after the given resourceVersion were delivered (no synthetic ADDED replay)
      expect(events.filter(e => e.type === 'ADDED').every(e => e.type === 'ADDED' && e.object.metadata?.name !== victim)).toBe(true);
      const rvBefore = watch.resourceVersion();
      expect(Number(rvBefore)).toBeGreaterThan(Number(resourceVersion));

      watch.stop();

      // a restart forgets the watch history: resuming from an older resourceVersion is 410
      // Gone, and the watch relists
      const resumeFrom = watch.resourceVersion()!;
      await k8s.rolloutRestart('sandbox', 'acme-prod', 'inventory'); // the cluster moves on
      await sbx.restart();
      const resumed = k8s.watch<V1Pod>('sandbox', KUBERNETES_KINDS.pods, {
        labelSelector: 'backstage.io/kubernetes-id=inventory',
        resourceVersion: resumeFrom,
        onEvent: e => events.push(e),
        onError: e => errors.push(e),
      });
      try {
        await waitFor(
          () => events.some(e => e.type === 'RELISTED'),
          'a RELISTED event after 410 Gone',
          { timeoutMs: 60_000 },
        ).catch(e => {
          throw new Error(`${e.message}; watch errors: ${errors.map(x => x.message).join(' | ')}`);
        });
        const relisted = events.find(e => e.type === 'RELISTED')!;
        expect(relisted.type === 'RELISTED' && relisted.items.length).toBeGreaterThan(0);
        expect(resumed.resourceVersion()).toBe(
          relisted.type === 'RELISTED' ? relisted.resourceVersion : undefined,
        );
        expect(Number(resumed.resourceVersion())).toBeGreaterThan(Number(resumeFrom));
      } finally {
        resumed.stop();
      }
      await expect(k8s.deletePod('sandbox', 'acme-prod', victim)).rejects.toBeInstanceOf(NotFoundError);
    } finally {
      watch.stop();
    }
  });
});
