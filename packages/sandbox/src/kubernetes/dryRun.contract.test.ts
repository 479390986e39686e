import { demoDeployment, startTestCluster, waitFor } from './__testUtils__/cluster';

jest.setTimeout(30000);

type Cluster = Awaited<ReturnType<typeof startTestCluster>>;
let c: Cluster;

beforeAll(async () => {
  c = await startTestCluster(50);
  await c.core.createNamespace({ body: { metadata: { name: 'dry' } } });
  await c.apps.createNamespacedDeployment({
    namespace: 'dry',
    body: demoDeployment('web', 'dry', { replicas: 1 }) as any,
  });
});

afterAll(async () => {
  await c.stop();
});

// dryRun=All on DELETE and on the scale subresource: validated and answered, nothing stored
describe('dryRun=All with @kubernetes/client-node', () => {
  it('answers a dry-run pod deletion with the object and keeps the pod', async () => {
    const pod = await waitFor(async () => {
      const l = await c.core.listNamespacedPod({ namespace: 'dry' });
      return l.items[0];
    }, 'a pod');
    const answer = await c.core.deleteNamespacedPod({
      name: pod.metadata!.name!,
      namespace: 'dry',
      dryRun: 'All',
    });
    expect(answer.metadata?.name).toBe(pod.metadata!.name);
    const still = await c.core.readNamespacedPod({ name: pod.metadata!.name!, namespace: 'dry' });
    expect(still.metadata?.deletionTimestamp).toBeUndefined();
    expect(still.metadata?.uid).toBe(pod.metadata?.uid);
  });

  it('answers a dry-run scale with the new replicas and keeps the deployment', async () => {
    const before = await c.apps.readNamespacedDeploymentScale({ name: 'web', namespace: 'dry' });
    const answer = await c.apps.replaceNamespacedDeploymentScale({
      name: 'web',
      namespace: 'dry',
      dryRun: 'All',
      body: { metadata: { name: 'web', namespace: 'dry' }, spec: { replicas: 4 } },
    });
    expect(answer.spec?.replicas).toBe(4);
    const after = await c.apps.readNamespacedDeployment({ name: 'web', namespace: 'dry' });
    expect(after.spec?.replicas).toBe(before.spec?.replicas);
  });
});
