import type express from 'express';
import type { IContainer, IContainerStatus } from 'kubernetes-models/v1';
import type { PodObject } from '../../core/cluster';
import { badRequest, q, truthy, type ApiDeps } from './request';

/**
 * `GET pods/<name>/log`: text/plain from the simulator's per-container log, with `container`,
 * `previous`, `tailLines`, `sinceSeconds`, `sinceTime`, `timestamps`, `limitBytes` and `follow`.
 */
export async function serveLog(
  { store, sim }: ApiDeps,
  req: express.Request,
  res: express.Response,
  pod: PodObject,
) {
  const containers: IContainer[] = pod.spec?.containers ?? [];
  let container = q(req, 'container');
  const podName = pod.metadata.name;
  if (!container) {
    if (containers.length !== 1)
      throw badRequest(
        `a container name must be specified for pod ${podName}, choose one of: [${containers
          .map(c => c.name)
          .join(' ')}]`,
      );
    container = containers[0].name;
  }
  if (!containers.some(c => c.name === container))
    throw badRequest(`container ${container} is not valid for pod ${podName}`);
  const statusOf = (p: PodObject | undefined): IContainerStatus | undefined =>
    (p?.status?.containerStatuses ?? []).find(c => c.name === container);
  const previous = truthy(q(req, 'previous'));
  const status = statusOf(pod);
  let lines = sim.logs.read(pod.metadata.uid!, container!, { previous });
  if (!lines) {
    if (previous)
      throw badRequest(
        `previous terminated container "${container}" in pod "${podName}" not found`,
      );
    const reason = status?.state?.waiting?.reason ?? 'ContainerCreating';
    throw badRequest(
      `container "${container}" in pod "${podName}" is waiting to start: ${reason}`,
    );
  }
  const sinceSeconds = Number(q(req, 'sinceSeconds') ?? 0);
  const sinceTime = q(req, 'sinceTime');
  if (sinceSeconds > 0) {
    const from = Date.now() - sinceSeconds * 1000;
    lines = lines.filter(l => l.at >= from);
  } else if (sinceTime) {
    const from = Date.parse(sinceTime);
    if (Number.isFinite(from)) lines = lines.filter(l => l.at >= from);
  }
  const tail = q(req, 'tailLines');
  if (tail !== undefined && Number(tail) >= 0)
    lines = lines.slice(Math.max(0, lines.length - Number(tail)));
  const timestamps = truthy(q(req, 'timestamps'));
  const fmt = (l: { at: number; text: string }) =>
    `${
      timestamps ? `${new Date(l.at).toISOString().replace('Z', '000000Z')} ` : ''
    }${l.text}\n`;
  let text = lines.map(fmt).join('');
  const limitBytes = Number(q(req, 'limitBytes') ?? 0);
  if (limitBytes > 0)
    text = Buffer.from(text).subarray(0, limitBytes).toString('utf8');
  res.status(200).type('text/plain; charset=utf-8');
  if (!truthy(q(req, 'follow')) || previous) {
    res.send(text);
    return;
  }
  res.write(text);
  const uid = pod.metadata.uid!;
  let last = lines[lines.length - 1];
  let timer: NodeJS.Timeout | undefined = undefined;
  const poll = () => {
    const current = sim.logs.read(uid, container!) ?? [];
    let idx = last ? current.lastIndexOf(last) : -1;
    if (idx < 0 && last) idx = current.findIndex(l => l.at > last!.at) - 1;
    const fresh = current.slice(idx + 1);
    if (fresh.length) {
      res.write(fresh.map(fmt).join(''));
      last = fresh[fresh.length - 1];
    }
    const cur: PodObject | undefined = store.getRaw(
      'v1/pods',
      pod.metadata.namespace,
      podName,
    );
    const st = statusOf(cur);
    if (!cur || cur.metadata.uid !== uid || !st?.state?.running) {
      clearInterval(timer);
      res.end();
    }
  };
  timer = setInterval(poll, 200);
  req.on('close', () => clearInterval(timer));
}
