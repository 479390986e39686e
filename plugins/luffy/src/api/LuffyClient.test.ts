import { mockApis, registerMswTestHooks } from '@backstage/frontend-test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { LuffyClient } from './LuffyClient';

const baseUrl = 'http://backstage.test/api/luffy';

describe('LuffyClient', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const client = new LuffyClient({
    discoveryApi: mockApis.discovery({ baseUrl: 'http://backstage.test' }),
    fetchApi: { fetch: (input, init) => fetch(input, init) },
  });

  it('lists entity incidents at the entity-scoped route with encoded names and filters', async () => {
    server.use(
      http.get(
        `${baseUrl}/entity/default/Component/my%20svc/incidents`,
        ({ request }) => {
          expect(new URL(request.url).search).toBe(
            '?status=awaiting-approval%2Chealed&limit=5',
          );
          return HttpResponse.json({ items: [], totalCount: 0 });
        },
      ),
    );
    await expect(
      client.listEntityIncidents(
        { namespace: 'default', kind: 'Component', name: 'my svc' },
        { status: ['awaiting-approval', 'healed'], limit: 5 },
      ),
    ).resolves.toEqual({ items: [], totalCount: 0 });
  });

  it('asks the metrics of the given entities and window', async () => {
    const searches: string[] = [];
    server.use(
      http.get(`${baseUrl}/metrics`, ({ request }) => {
        searches.push(new URL(request.url).search);
        return HttpResponse.json({ weeks: [] });
      }),
    );
    await client.getMetrics();
    await client.getMetrics({
      entityRefs: ['component:default/checkout', 'component:default/cart'],
      weeks: 4,
    });
    await client.getMetrics({ entityRefs: [] });
    expect(searches).toEqual([
      '',
      '?entity=component%3Adefault%2Fcheckout%2Ccomponent%3Adefault%2Fcart&weeks=4',
      '?entity=',
    ]);
  });

  it('turns backend errors into ResponseError with the backend message', async () => {
    server.use(
      http.get(`${baseUrl}/incidents`, () =>
        HttpResponse.json(
          {
            error: { name: 'InputError', message: 'status must be among …' },
            request: { method: 'GET', url: '/api/luffy/incidents' },
            response: { statusCode: 400 },
          },
          { status: 400 },
        ),
      ),
    );
    await expect(client.listIncidents()).rejects.toMatchObject({
      name: 'ResponseError',
      body: { error: { name: 'InputError' } },
    });
  });
});
