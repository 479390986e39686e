import type { KubeObject } from '../core/cluster';

/**
 * The defaults the real API server fills in on write (a subset: the fields clients and Argo CD
 * commonly read back). Idempotent; mutates `obj`.
 */
export function applyDefaults(obj: KubeObject, allocateIp: () => string) {
  switch (obj.kind) {
    case 'Namespace':
      obj.metadata.labels = {
        ...obj.metadata.labels,
        'kubernetes.io/metadata.name': obj.metadata.name,
      };
      obj.spec = { finalizers: ['kubernetes'], ...obj.spec };
      obj.status = { phase: 'Active', ...obj.status };
      break;
    case 'Deployment': {
      const spec = (obj.spec ??= {});
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      spec.strategy ??= { type: 'RollingUpdate' };
      spec.strategy.type ??= 'RollingUpdate';
      if (spec.strategy.type === 'RollingUpdate') {
        spec.strategy.rollingUpdate ??= {};
        spec.strategy.rollingUpdate.maxSurge ??= '25%';
        spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
      }
      podTemplateDefaults(spec.template);
      break;
    }
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
      obj.spec ??= {};
      if (obj.kind !== 'DaemonSet') obj.spec.replicas ??= 1;
      podTemplateDefaults(obj.spec.template);
      break;
    case 'Job':
      podTemplateDefaults(obj.spec?.template, 'Never');
      break;
    case 'Pod':
      podSpecDefaults(obj.spec);
      break;
    case 'Service': {
      const spec = (obj.spec ??= {});
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      if (spec.type !== 'ExternalName') {
        spec.clusterIP ??= allocateIp();
        spec.clusterIPs ??= [spec.clusterIP];
        spec.ipFamilies ??= ['IPv4'];
        spec.ipFamilyPolicy ??= 'SingleStack';
        spec.internalTrafficPolicy ??= 'Cluster';
      }
      for (const p of spec.ports ?? []) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
      obj.status ??= { loadBalancer: {} };
      break;
    }
    default:
      break;
  }
}

function podTemplateDefaults(template: any, restartPolicy = 'Always') {
  if (!template || typeof template !== 'object') return;
  template.metadata ??= {};
  podSpecDefaults(template.spec, restartPolicy);
}

function podSpecDefaults(spec: any, restartPolicy = 'Always') {
  if (!spec || typeof spec !== 'object') return;
  spec.restartPolicy ??= restartPolicy;
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  for (const c of [
    ...(spec.containers ?? []),
    ...(spec.initContainers ?? []),
  ]) {
    if (!c || typeof c !== 'object') continue;
    const image = String(c.image ?? '');
    const tag = image.includes('@')
      ? 'digest'
      : image.split('/').pop()!.split(':')[1];
    c.imagePullPolicy ??= !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.resources ??= {};
    for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  }
}
