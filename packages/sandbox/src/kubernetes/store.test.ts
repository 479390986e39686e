import { ClusterError, type KubeObject } from '../core/cluster';
import { Clock } from '../core/clock';
import { MemoryClusterStore } from './store';
import { parseLabelSelector, matchesLabels } from './selectors';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch';
import { waitFor } from '../testing/waitFor';

const cm = (
  name: string,
  labels: Record<string, string> = {},
  ns = 'default',
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns, labels },
  data: { a: '1' },
});

describe('label selectors', () => {
  it('supports equality, set-based and existence requirements', () => {
    const labels = { app: 'web', tier: 'front', env: 'prod' };
    const m = (s: string) => matchesLabels(labels, parseLabelSelector(s));
    expect(m('app=web')).toBe(true);
    expect(m('app==web,tier!=back')).toBe(true);
    expect(m('env in (dev, prod)')).toBe(true);
    expect(m('env notin (prod)')).toBe(false);
    expect(m('app,!missing')).toBe(true);
    expect(m('!app')).toBe(false);
    expect(m('app=api')).toBe(false);
    expect(() => parseLabelSelector('a in b')).toThrow(ClusterError);
  });
});

describe('patches', () => {
  it('merge patch removes nulls and replaces lists', () => {
    expect(
      mergePatch(
        { a: 1, b: { c: 2, d: 3 }, l: [1, 2] },
        { b: { c: null }, l: [3] },
      ),
    ).toEqual({ a: 1, b: { d: 3 }, l: [3] });
  });
  it('strategic merge patch merges containers and env by name', () => {
    const target = {
      containers: [
        { name: 'a', image: 'x', env: [{ name: 'K', value: '1' }] },
        { name: 'b', image: 'y' },
      ],
    };
    const out = strategicMergePatch(target, {
      containers: [
        { name: 'a', env: [{ name: 'L', value: '2' }] },
        { name: 'b', $patch: 'delete' },
      ],
    });
    expect(out).toEqual({
      containers: [
        {
          name: 'a',
          image: 'x',
          env: [
            { name: 'K', value: '1' },
            { name: 'L', value: '2' },
          ],
        },
      ],
    });
  });
  it('json patch applies add/replace/remove/test and fails a failed test', () => {
    const doc = { spec: { replicas: 1, list: ['a'] } };
    expect(
      jsonPatch(doc, [
        { op: 'replace', path: '/spec/replicas', value: 3 },
        { op: 'add', path: '/spec/list/-', value: 'b' },
        { op: 'remove', path: '/spec/list/0' },
        { op: 'test', path: '/spec/replicas', value: 3 },
      ]),
    ).toEqual({ spec: { replicas: 3, list: ['b'] } });
    expect(() =>
      jsonPatch(doc, [{ op: 'test', path: '/spec/replicas', value: 2 }]),
    ).toThrow(expect.objectContaining({ code: 422, reason: 'Invalid' }));
    expect(() =>
      jsonPatch(doc, [{ op: 'remove', path: '/spec/missing' }]),
    ).toThrow(expect.objectContaining({ code: 422, reason: 'Invalid' }));
    expect(() =>
      jsonPatch(doc, [{ op: 'explode', path: '/spec' }]),
    ).toThrow(expect.objectContaining({ code: 400, reason: 'BadRequest' }));
    expect(() => jsonPatch(doc, { op: 'add' })).toThrow(ClusterError);
    // the input is not modified
    expect(doc).toEqual({ spec: { replicas: 1, list: ['a'] } });
  });
});

describe('MemoryClusterStore', () => {
  it('keeps a global resourceVersion, bumps generation on spec change only, and no-ops identical writes', () => {
    const store = new MemoryClusterStore();
    const a = store.create('v1/configmaps', cm('a'));
    const b = store.create('v1/configmaps', cm('b'));
    expect(Number(b.metadata.resourceVersion)).toBeGreaterThan(
      Number(a.metadata.resourceVersion),
    );
    expect(a.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(() => store.create('v1/configmaps', cm('a'))).toThrow(
      expect.objectContaining({ code: 409, reason: 'AlreadyExists' }),
    );
    const same = store.apply('v1/configmaps', cm('a'));
    expect(same.metadata.resourceVersion).toBe(a.metadata.resourceVersion);

    const dep: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'default' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: {
          metadata: { labels: { a: 'b' } },
          spec: { containers: [{ name: 'c', image: 'i:1' }] },
        },
      },
    };
    const d1 = store.create('apps/v1/deployments', dep);
    expect(d1.metadata.generation).toBe(1);
    expect(d1.spec.replicas).toBe(1);
    const d2 = store.update('apps/v1/deployments', {
      ...d1,
      metadata: { ...d1.metadata, labels: { x: 'y' } },
    });
    expect(d2.metadata.generation).toBe(1);
    const d3 = store.update('apps/v1/deployments', {
      ...d2,
      spec: { ...d2.spec, replicas: 2 },
    });
    expect(d3.metadata.generation).toBe(2);
    expect(() => store.update('apps/v1/deployments', d1)).toThrow(
      expect.objectContaining({ code: 409, reason: 'Conflict' }),
    );
    expect(() =>
      store.create('apps/v1/deployments', {
        ...dep,
        metadata: { name: 'bad', namespace: 'default' },
        spec: { replicas: 'x' },
      }),
    ).toThrow(expect.objectContaining({ code: 422, reason: 'Invalid' }));
  });

  it('lists by namespace, label and field selectors', () => {
    const store = new MemoryClusterStore();
    store.create('v1/configmaps', cm('a', { app: 'x', env: 'dev' }, 'n1'));
    store.create('v1/configmaps', cm('b', { app: 'x', env: 'prod' }, 'n2'));
    store.create('v1/configmaps', cm('c', { app: 'y' }, 'n1'));
    const names = (o: {
      labelSelector?: string;
      fieldSelector?: string;
      namespace?: string;
    }) => store.list('v1/configmaps', o).items.map(i => i.metadata.name);
    expect(names({ labelSelector: 'app=x' })).toEqual(['a', 'b']);
    expect(names({ labelSelector: 'app=x', namespace: 'n2' })).toEqual(['b']);
    expect(names({ labelSelector: 'env in (dev,qa)' })).toEqual(['a']);
    expect(names({ labelSelector: '!env' })).toEqual(['c']);
    expect(
      names({ fieldSelector: 'metadata.namespace=n1,metadata.name!=a' }),
    ).toEqual(['c']);
    expect(store.get('v1/namespaces', undefined, 'n1')).toBeTruthy();
  });

  it('replays watch history after a resourceVersion and answers 410 Expired when it is too old', () => {
    const store = new MemoryClusterStore(undefined, { historyLimit: 10 });
    const first = store.create('v1/configmaps', cm('first'));
    const rv = first.metadata.resourceVersion!;
    store.create('v1/configmaps', cm('second', { app: 'x' }));
    const seen: string[] = [];
    const stop = store.watch(
      'v1/configmaps',
      { resourceVersion: rv, labelSelector: 'app=x' },
      e => seen.push(`${e.type} ${e.object.metadata.name}`),
    );
    store.update('v1/configmaps', {
      ...cm('second', {}),
      metadata: { ...cm('second').metadata },
    });
    stop();
    expect(seen).toEqual(['ADDED second', 'DELETED second']);
    for (let i = 0; i < 20; i++) store.create('v1/configmaps', cm(`n${i}`));
    expect(() =>
      store.watch('v1/configmaps', { resourceVersion: rv }, () => {}),
    ).toThrow(expect.objectContaining({ code: 410, reason: 'Expired' }));
  });

  it('cascades deletes through ownerReferences and orphans on request; pods terminate gracefully', async () => {
    const clock = new Clock({ timeScale: 100 });
    const store = new MemoryClusterStore(clock);
    const owner = store.create('v1/configmaps', cm('owner'));
    const ref = [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'owner',
        uid: owner.metadata.uid!,
        controller: true,
      },
    ];
    store.create('v1/configmaps', {
      ...cm('child'),
      metadata: { ...cm('child').metadata, ownerReferences: ref },
    });
    store.create('v1/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', ownerReferences: ref },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    });
    store.delete('v1/configmaps', 'default', 'owner');
    expect(store.get('v1/configmaps', 'default', 'child')).toBeUndefined();
    expect(
      store.get('v1/pods', 'default', 'p')?.metadata.deletionTimestamp,
    ).toBeTruthy();
    // removed after its grace period (2 simulated seconds, 20 ms at time scale 100)
    await waitFor(
      () => store.get('v1/pods', 'default', 'p') === undefined,
      'the terminating pod to be removed',
      { timeoutMs: 5000 },
    );

    const owner2 = store.create('v1/configmaps', cm('owner2'));
    store.create('v1/configmaps', {
      ...cm('kept'),
      metadata: {
        ...cm('kept').metadata,
        ownerReferences: [
          { ...ref[0], name: 'owner2', uid: owner2.metadata.uid! },
        ],
      },
    });
    store.delete('v1/configmaps', 'default', 'owner2', {
      propagationPolicy: 'Orphan',
    });
    expect(
      store.get('v1/configmaps', 'default', 'kept')?.metadata.ownerReferences,
    ).toBeUndefined();
    clock.dispose();
  });

  it('logs a failing change listener and still commits the write', () => {
    const warnings: Array<[string, Record<string, unknown> | undefined]> = [];
    const store = new MemoryClusterStore(undefined, {
      logger: {
        info() {},
        error() {},
        warn: (m, meta) => warnings.push([m, meta]),
      },
    });
    store.onChange(() => {
      throw new Error('listener broke');
    });
    store.create('v1/configmaps', cm('logged'));
    expect(store.get('v1/configmaps', 'default', 'logged')).toBeDefined();
    // (the namespace `default` is created with it: that write is logged too)
    expect(warnings).toContainEqual([
      'cluster store: change listener failed',
      expect.objectContaining({
        resource: 'v1/configmaps',
        type: 'ADDED',
        object: 'default/logged',
        error: expect.stringContaining('listener broke'),
      }),
    ]);
  });

  it('persists and restores its objects', () => {
    const store = new MemoryClusterStore();
    store.create('v1/configmaps', cm('a', { app: 'x' }));
    const copy = new MemoryClusterStore();
    copy.load(JSON.parse(JSON.stringify(store.save())));
    expect(
      copy.list('v1/configmaps', { labelSelector: 'app=x' }).items,
    ).toHaveLength(1);
    expect(copy.resourceVersion).toBe(store.resourceVersion);
  });
});
