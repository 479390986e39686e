import type express from 'express';
import type { KubeObject } from '../../core/cluster';
import { simulatorState } from '../../simulator/state';
import {
  ApiError,
  TRACKING_LABEL,
  liveResources,
  podsOf,
  statusResources,
  type Application,
} from '../controller';
import { fail, queryString, wrap, type RouteDeps } from './shared';

/** Kinds with Argo CD's built-in `restart` action. */
const RESTARTABLE = ['Deployment', 'StatefulSet', 'DaemonSet'];

/**
 * Views of an app's resources: resource tree, one live resource, resource actions, pod logs,
 * rendered manifests, managed resources (diff), revision metadata, events.
 */
export function resourceRoutes({ router, ctx, controller, getApp }: RouteDeps) {
  router.get(
    '/api/v1/applications/:name/resource-tree',
    wrap((req, res) => {
      res.json(controller.resourceTree(getApp(req.params.name)));
    }),
  );

  /** The live managed object the query names (`namespace, resourceName, group, version, kind`). */
  const managedObject = (req: express.Request, app: Application) => {
    const q = (k: string) => queryString(req, k);
    const group = q('group');
    const version = q('version') || 'v1';
    const kind = q('kind');
    const name = q('resourceName');
    const namespace = q('namespace') || undefined;
    const managed = statusResources(app).some(
      r =>
        r.kind === kind &&
        r.name === name &&
        (r.group ?? '') === group &&
        (r.namespace || undefined) === namespace,
    );
    const resource = ctx.cluster.resourceForKind(
      group ? `${group}/${version}` : version,
      kind,
    );
    const live =
      managed && resource
        ? ctx.cluster.get(resource, namespace, name)
        : undefined;
    if (!live || !resource)
      throw new ApiError(
        404,
        `${kind} ${
          namespace ? `${namespace}/` : ''
        }${name} not found as part of application ${app.metadata.name}`,
      );
    return { live, resource };
  };

  router.get(
    '/api/v1/applications/:name/resource',
    wrap((req, res) => {
      const { live } = managedObject(req, getApp(req.params.name));
      res.json({ manifest: JSON.stringify(live) });
    }),
  );

  // resource actions (Argo CD's built-in `restart` for Deployment, StatefulSet, DaemonSet)
  const actionsFor = (kind: string) =>
    RESTARTABLE.includes(kind) ? [{ name: 'restart', disabled: false }] : [];

  router.get(
    '/api/v1/applications/:name/resource/actions',
    wrap((req, res) => {
      const { live } = managedObject(req, getApp(req.params.name));
      res.json({ actions: actionsFor(live.kind) });
    }),
  );

  router.post(
    '/api/v1/applications/:name/resource/actions',
    wrap((req, res) => {
      const app = getApp(req.params.name);
      const { live, resource } = managedObject(req, app);
      // the body is the action name as a JSON string (Argo CD's UI and CLI), or {action}
      const action =
        typeof req.body === 'string'
          ? req.body
          : req.body?.action ?? queryString(req, 'action');
      if (!actionsFor(live.kind).some(a => a.name === action)) {
        fail(
          res,
          400,
          `action ${JSON.stringify(action ?? '')} is not available for ${
            live.kind
          } ${live.metadata.name}`,
        );
        return;
      }
      const restarted = structuredClone(live);
      delete restarted.metadata.resourceVersion;
      const tmpl = (restarted.spec.template ??= {});
      tmpl.metadata = {
        ...(tmpl.metadata ?? {}),
        annotations: {
          ...(tmpl.metadata?.annotations ?? {}),
          'kubectl.kubernetes.io/restartedAt': ctx.clock
            .now()
            .toISOString()
            .replace(/\.\d+Z$/, 'Z'),
        },
      };
      ctx.cluster.update(resource, restarted);
      controller.recordEvent(
        app.metadata.name,
        'ResourceActionRan',
        `admin ran action ${action} on resource ${live.kind}/${live.metadata.name}`,
      );
      res.json({});
    }),
  );

  // pod logs, as Argo CD streams them: one {"result":{...}} JSON object a line, then last:true
  router.get(
    '/api/v1/applications/:name/logs',
    wrap((req, res) => {
      const app = getApp(req.params.name);
      const q = (k: string) => queryString(req, k);
      const namespace = q('namespace') || app.spec?.destination?.namespace;
      let pods: KubeObject[];
      if (q('podName')) {
        const pod = ctx.cluster.get('v1/pods', namespace, q('podName'));
        if (!pod || pod.metadata.labels?.[TRACKING_LABEL] !== app.metadata.name)
          throw new ApiError(
            404,
            `pods "${q('podName')}" not found as part of application ${
              app.metadata.name
            }`,
          );
        pods = [pod];
      } else if (q('resourceName')) {
        pods = podsOf(ctx.cluster, managedObject(req, app).live);
      } else {
        pods = liveResources(ctx.cluster, app).flatMap(o =>
          podsOf(ctx.cluster, o),
        );
      }
      const tail = Number(q('tailLines') || 0);
      const since = Number(q('sinceSeconds') || 0);
      const logs = simulatorState(ctx).logs;
      const entries: Array<{ at: number; text: string; podName: string }> = [];
      for (const pod of pods) {
        const containers = (pod.spec?.containers ?? []) as Array<{
          name: string;
        }>;
        const container = q('container') || containers[0]?.name;
        if (!container) continue;
        let lines =
          logs.read(pod.metadata.uid!, container, {
            previous: q('previous') === 'true',
          }) ?? [];
        if (since > 0)
          lines = lines.filter(l => l.at >= Date.now() - since * 1000);
        if (tail > 0) lines = lines.slice(-tail);
        for (const l of lines)
          entries.push({ ...l, podName: pod.metadata.name });
      }
      entries.sort((a, b) => a.at - b.at);
      res.status(200).type('application/json');
      for (const e of entries) {
        const timeStamp = new Date(e.at).toISOString().replace(/\.\d+Z$/, 'Z');
        res.write(
          `${JSON.stringify({
            result: {
              content: e.text,
              timeStamp,
              last: false,
              timeStampStr: new Date(e.at).toISOString(),
              podName: e.podName,
            },
          })}\n`,
        );
      }
      res.end(
        `${JSON.stringify({
          result: {
            content: '',
            timeStamp: '0001-01-01T00:00:00Z',
            last: true,
            timeStampStr: '',
            podName: '',
          },
        })}\n`,
      );
    }),
  );

  // the rendered target manifests (?revision= for another commit)
  router.get(
    '/api/v1/applications/:name/manifests',
    wrap(async (req, res) => {
      const app = getApp(req.params.name);
      const out = await controller.manifests(
        app,
        queryString(req, 'revision') || undefined,
      );
      res.json(out);
    }),
  );

  router.get(
    '/api/v1/applications/:name/managed-resources',
    wrap(async (req, res) => {
      res.json({
        items: await controller.managedResources(getApp(req.params.name)),
      });
    }),
  );

  router.get(
    '/api/v1/applications/:name/revisions/:revision/metadata',
    wrap(async (req, res) => {
      res.json(
        await controller.revisionMetadata(
          getApp(req.params.name),
          req.params.revision,
        ),
      );
    }),
  );

  router.get(
    '/api/v1/applications/:name/events',
    wrap((req, res) => {
      getApp(req.params.name);
      res.json({ metadata: {}, items: controller.events(req.params.name) });
    }),
  );
}
