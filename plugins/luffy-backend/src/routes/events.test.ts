import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import { waitFor } from '@openluffy/sandbox';
import { createLuffyEvents } from '../services/LuffyEvents';
import { createEventsRouter } from './events';

type Stream = {
  text: () => string;
  status: number;
  type: string;
  close: () => void;
  ended: () => boolean;
};

function openStream(
  url: string,
  headers: Record<string, string>,
): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, res => {
      let text = '';
      let ended = false;
      res.setEncoding('utf8');
      res.on('data', chunk => {
        text += chunk;
      });
      res.on('end', () => {
        ended = true;
      });
      res.on('close', () => {
        ended = true;
      });
      resolve({
        text: () => text,
        status: res.statusCode ?? 0,
        type: String(res.headers['content-type']),
        close: () => req.destroy(),
        ended: () => ended,
      });
    });
    req.on('error', reject);
  });
}

describe('GET /events', () => {
  const events = createLuffyEvents({ logger: mockServices.logger.mock() });
  const auth = { Authorization: mockCredentials.user.header() };

  // The real Backstage HTTP stack (auth, compression, error handler) around the events router.
  async function start() {
    const backend = await startTestBackend({
      features: [
        createBackendPlugin({
          pluginId: 'luffy',
          register(env) {
            env.registerInit({
              deps: {
                httpAuth: coreServices.httpAuth,
                httpRouter: coreServices.httpRouter,
                lifecycle: coreServices.lifecycle,
              },
              async init({ httpAuth, httpRouter, lifecycle }) {
                httpRouter.use(
                  createEventsRouter({
                    httpAuth,
                    events,
                    lifecycle,
                    heartbeatMs: 50,
                  }),
                );
              },
            });
          },
        }),
      ],
    });
    const port = (backend.server.address() as AddressInfo).port;
    return { backend, url: `http://127.0.0.1:${port}/api/luffy/events` };
  }

  it('streams matching events as text/event-stream with heartbeats', async () => {
    const { url } = await start();
    const stream = await openStream(
      `${url}?entity=component:default/checkout&type=incident`,
      auth,
    );
    expect(stream.status).toBe(200);
    expect(stream.type).toMatch(/^text\/event-stream/);
    await waitFor(() => stream.text().includes(': connected'), 'the stream');

    await events.publish({
      type: 'pullRequest.merged',
      entityRef: 'component:default/checkout',
      payload: { n: 1 },
    });
    await events.publish({
      type: 'incident.updated',
      entityRef: 'component:default/inventory',
      payload: { n: 2 },
    });
    const wanted = await events.publish({
      type: 'incident.updated',
      entityRef: 'component:default/checkout',
      payload: { n: 3 },
    });

    await waitFor(
      () => stream.text().includes('event: incident.updated'),
      'the incident event',
    );
    await waitFor(() => stream.text().includes(': heartbeat'), 'a heartbeat');
    const frames = stream
      .text()
      .split('\n\n')
      .filter(f => f.startsWith('id:'));
    expect(frames).toEqual([
      `id: ${wanted.id}\nevent: incident.updated\ndata: ${JSON.stringify(
        wanted,
      )}`,
    ]);
    stream.close();
  });

  it('unsubscribes when the client goes away', async () => {
    const { url } = await start();
    const subscribe = jest.spyOn(events, 'subscribe');
    const stream = await openStream(url, auth);
    const subscription = await waitFor(
      () => subscribe.mock.results[0]?.value,
      'the subscription',
    );
    const unsubscribe = jest.spyOn(subscription, 'unsubscribe');
    stream.close();
    await waitFor(() => unsubscribe.mock.calls.length > 0, 'unsubscribe');
    expect(unsubscribe).toHaveBeenCalledTimes(1);
    subscribe.mockRestore();
  });

  it('ends open streams when the backend shuts down', async () => {
    const { backend, url } = await start();
    const stream = await openStream(url, auth);
    await waitFor(() => stream.text().includes(': connected'), 'the stream');
    await backend.stop();
    await waitFor(() => stream.ended(), 'the end of the stream');
    expect(stream.text()).not.toContain('event:');
  });

  it('refuses unauthenticated callers and bad filters', async () => {
    const { url } = await start();
    const anonymous = await fetch(url, {
      headers: { Authorization: mockCredentials.none.header() },
    });
    expect(anonymous.status).toBe(401);
    const bad = await fetch(`${url}?entity=`, { headers: auth });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.name).toBe('InputError');
  });
});
