import type { SandboxContext } from '../core/context';
import type { FamilyModule } from '../http/server';
import { registerControlRoutes } from '../simulator/control';
import { simulatorState } from '../simulator/state';
import { NODE_NAME } from '../simulator/events';
import { createApiRouter } from './api';
import { MemoryClusterStore } from './store';
import { writeSandboxKubeconfig } from './kubeconfig';
import { ensureServingCertificates, servingHosts } from './tls';

export { MemoryClusterStore } from './store';
export { KUBE_VERSION } from './api';

const SYSTEM_NAMESPACES = [
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'argocd',
];

/**
 * The Kubernetes API server family: fills `ctx.cluster` with the in-memory store (persisted as
 * state part `kubernetes`), serves the API on its port and adds the chaos and bulk-seeding
 * control routes. The simulator (src/simulator) drives the workloads.
 */
export function createKubernetesFamily(
  ctx: SandboxContext,
  options: { watchHistory?: number } = {},
): FamilyModule {
  const store = new MemoryClusterStore(ctx.clock, {
    historyLimit: options.watchHistory,
    logger: ctx.logger,
  });
  ctx.cluster = store;
  ctx.persistence.register('kubernetes', {
    save: () => store.save(),
    load: data => store.load(data),
  });
  simulatorState(ctx);
  for (const ns of SYSTEM_NAMESPACES)
    if (!store.getRaw('v1/namespaces', undefined, ns))
      store.create('v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns },
      });
  if (!store.getRaw('v1/nodes', undefined, NODE_NAME))
    store.create('v1/nodes', sandboxNode(), { validate: false });
  registerControlRoutes(ctx);
  let caCert: string | undefined;
  return {
    family: 'kubernetes',
    router: createApiRouter(ctx, store),
    async tls() {
      const certs = await ensureServingCertificates(
        ctx.options.dataDir,
        servingHosts(ctx.options.host),
      );
      caCert = certs.caCert;
      return certs;
    },
    async start({ httpsUrl }) {
      // a ready kubeconfig for kubectl: HTTPS, the sandbox CA, the token
      if (httpsUrl && caCert)
        writeSandboxKubeconfig(ctx.options.dataDir, {
          server: httpsUrl,
          caCert,
          token: ctx.tokens.kubernetes,
        });
    },
    async stop() {
      store.dispose();
    },
  };
}

function sandboxNode() {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const cond = (
    type: string,
    status: string,
    reason: string,
    message: string,
  ) => ({
    type,
    status,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
    reason,
    message,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: NODE_NAME,
      labels: {
        'kubernetes.io/hostname': NODE_NAME,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/control-plane': '',
      },
    },
    spec: { podCIDR: '10.244.0.0/16', podCIDRs: ['10.244.0.0/16'] },
    status: {
      capacity: { cpu: '8', memory: '16374584Ki', pods: '5000' },
      allocatable: { cpu: '8', memory: '16272184Ki', pods: '5000' },
      conditions: [
        cond(
          'MemoryPressure',
          'False',
          'KubeletHasSufficientMemory',
          'kubelet has sufficient memory available',
        ),
        cond(
          'DiskPressure',
          'False',
          'KubeletHasNoDiskPressure',
          'kubelet has no disk pressure',
        ),
        cond(
          'PIDPressure',
          'False',
          'KubeletHasSufficientPID',
          'kubelet has sufficient PID available',
        ),
        cond(
          'Ready',
          'True',
          'KubeletReady',
          'kubelet is posting ready status',
        ),
      ],
      addresses: [
        { type: 'InternalIP', address: '10.0.0.10' },
        { type: 'Hostname', address: NODE_NAME },
      ],
      nodeInfo: {
        machineID: 'sandbox',
        systemUUID: 'sandbox',
        bootID: 'sandbox',
        kernelVersion: '6.1.0',
        osImage: 'Sandbox Linux',
        containerRuntimeVersion: 'containerd://1.7.22',
        kubeletVersion: 'v1.31.4-sandbox',
        kubeProxyVersion: 'v1.31.4-sandbox',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}
