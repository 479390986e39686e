import { ResponseError } from '@backstage/errors';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import type { Incident } from '@openluffy/plugin-luffy-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { SWRConfig } from 'swr';
import { luffyApiRef, type LuffyApi } from '../../api';
import {
  fakeLuffyApi,
  metricsFixture,
  prFixture,
} from '../../testUtils/fakeLuffyApi';
import { PendingApprovalsPage } from './PendingApprovalsPage';

jest.setTimeout(60_000);
const found = { timeout: 15_000 };

const incident = (overrides: Partial<Incident>): Incident => ({
  id: 'i-1',
  entityRef: 'component:default/checkout',
  key: 'sandbox/acme-dev/checkout/OOMKilled',
  cluster: 'sandbox',
  namespace: 'acme-dev',
  workload: 'checkout',
  reason: 'OOMKilled',
  status: 'awaiting-approval',
  summary: 'memory limit 128Mi below demand',
  createdAt: '2026-11-29T10:00:00.000Z',
  updatedAt: '2026-11-29T10:00:00.000Z',
  ...overrides,
});

const awaiting = incident({});
const healed = [
  incident({
    id: 'h-1',
    entityRef: 'component:default/recommender',
    workload: 'recommender',
    reason: 'CrashLoopBackOff',
    status: 'healed',
    summary: 'bad GUNICORN_WORKERS',
    createdAt: '2026-11-16T10:00:00.000Z',
    resolvedAt: '2026-11-16T10:12:00.000Z',
  }),
  incident({
    id: 'h-2',
    status: 'healed',
    summary: 'probe timeout too short',
    createdAt: '2026-11-24T09:00:00.000Z',
    resolvedAt: '2026-11-24T09:30:00.000Z',
  }),
];

const service = (name: string, owner: string, slug = true) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: slug ? { 'github.com/project-slug': `acme/${name}` } : {},
  },
  spec: { type: 'service', owner, lifecycle: 'production' },
});

const catalog = [
  service('checkout', 'team-payments'),
  service('recommender', 'team-discovery'),
  service('inventory', 'team-payments'),
];

async function backendError(
  status: number,
  error: Record<string, unknown>,
): Promise<ResponseError> {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error,
        request: { method: 'GET', url: '/api/luffy/...' },
        response: { statusCode: status },
      }),
      { status, headers: { 'content-type': 'application/json' } },
    ) as any,
  );
}

function render(
  api: LuffyApi,
  options: {
    permission?: AuthorizeResult.ALLOW | AuthorizeResult.DENY;
    entities?: unknown[];
  } = {},
) {
  return renderInTestApp(
    <SWRConfig value={{ provider: () => new Map() }}>
      <PendingApprovalsPage />
    </SWRConfig>,
    {
      apis: [
        [luffyApiRef, api],
        [
          catalogApiRef,
          catalogApiMock({ entities: (options.entities ?? catalog) as any }),
        ],
        [
          permissionApiRef,
          mockApis.permission({
            authorize: options.permission ?? AuthorizeResult.ALLOW,
          }),
        ],
      ],
    },
  );
}

/** A fake whose pull request lists answer per service. */
function apiWith(
  incidents: Incident[],
  pullRequests: (name: string) => Promise<any> = async () => ({
    items: [],
    repos: [],
    fetchedAt: '2026-12-04T10:00:00.000Z',
  }),
) {
  return fakeLuffyApi({
    incidents,
    listPullRequests: async entity => pullRequests(entity.name),
  });
}

const prList = (items: ReturnType<typeof prFixture>[]) => ({
  items,
  repos: [],
  fetchedAt: '2026-12-04T10:00:00.000Z',
});

describe('PendingApprovalsPage', () => {
  it('lists the incidents awaiting approval across the catalog, with Approve / Dismiss', async () => {
    const api = apiWith([awaiting, ...healed]);
    await render(api);
    const approvals = screen.getByTestId('luffy-approvals');
    expect(
      await within(approvals).findByText(
        /memory limit 128Mi below demand/,
        {},
        found,
      ),
    ).toBeInTheDocument();
    // healed incidents are not awaiting approval
    expect(
      within(approvals).queryByText(/bad GUNICORN_WORKERS/),
    ).not.toBeInTheDocument();
    expect(api.calls.find(c => c.method === 'listIncidents')?.args).toEqual([
      { limit: 500 },
    ]);

    await userEvent.click(within(approvals).getByText(/OOMKilled in/));
    const approve = await screen.findByRole(
      'button',
      { name: 'Approve fix' },
      found,
    );
    await waitFor(() => expect(approve).toBeEnabled(), found);
    await userEvent.click(approve);
    await waitFor(
      () =>
        expect(
          api.calls.find(c => c.method === 'approveIncident')?.args[0],
        ).toBe('i-1'),
      found,
    );
  });

  it('disables Approve without the permission (no permission state)', async () => {
    await render(apiWith([awaiting]), { permission: AuthorizeResult.DENY });
    await userEvent.click(await screen.findByText(/OOMKilled in/, {}, found));
    const approve = await screen.findByRole(
      'button',
      { name: 'Approve fix' },
      found,
    );
    await waitFor(() => expect(approve).toBeDisabled(), found);
  });

  it('filters by status and by service', async () => {
    await render(apiWith([awaiting, ...healed]));
    const approvals = screen.getByTestId('luffy-approvals');
    await within(approvals).findByText(/memory limit 128Mi/, {}, found);

    await userEvent.selectOptions(screen.getByLabelText('Status'), 'healed');
    expect(
      await within(approvals).findByText(/bad GUNICORN_WORKERS/, {}, found),
    ).toBeInTheDocument();
    expect(within(approvals).getByText(/probe timeout/)).toBeInTheDocument();
    expect(
      within(approvals).queryByText(/memory limit 128Mi/),
    ).not.toBeInTheDocument();

    await userEvent.selectOptions(
      screen.getByLabelText('Service'),
      'component:default/recommender',
    );
    expect(within(approvals).getByText(/bad GUNICORN_WORKERS/)).toBeVisible();
    expect(
      within(approvals).queryByText(/probe timeout/),
    ).not.toBeInTheDocument();

    await userEvent.selectOptions(
      screen.getByLabelText('Owner'),
      'team-payments',
    );
    expect(
      await within(approvals).findByText('No incident matches the filters'),
    ).toBeInTheDocument();
  });

  it('shows a progress bar while loading', async () => {
    await render(fakeLuffyApi({ listIncidents: () => new Promise(() => {}) }));
    expect(
      within(screen.getByTestId('luffy-approvals')).getByTestId('progress'),
    ).toBeInTheDocument();
    expect(
      screen.queryByText('Nothing waits for approval'),
    ).not.toBeInTheDocument();
  });

  it('says so when nothing waits', async () => {
    await render(apiWith([]), { entities: [] });
    expect(
      await screen.findByText('Nothing waits for approval', {}, found),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(
        'No service has an open incident or an open pull request.',
        {},
        found,
      ),
    ).toBeInTheDocument();
    expect(
      await screen.findByText('No incident in the last 3 weeks', {}, found),
    ).toBeInTheDocument();
  });

  it('shows the error when the backend fails', async () => {
    await render(
      fakeLuffyApi({
        listIncidents: async () => {
          throw new Error('luffy backend unavailable');
        },
      }),
    );
    expect(
      (await screen.findAllByText(/luffy backend unavailable/, {}, found))[0],
    ).toBeInTheDocument();
    expect(
      screen.queryByText('Nothing waits for approval'),
    ).not.toBeInTheDocument();
  });

  it('lists services needing attention: open incidents, open pull requests, rate-limited and no access', async () => {
    const resetAt = new Date(Date.now() + 15 * 60_000);
    const rateLimited = await backendError(429, {
      name: 'GithubRateLimitedError',
      message: 'GitHub rate limit',
      resetAt: resetAt.toISOString(),
    });
    const noAccess = await backendError(403, {
      name: 'NotAllowedError',
      message: 'No access to acme/inventory',
    });
    const api = apiWith([awaiting], async name => {
      if (name === 'checkout') {
        return prList([
          prFixture({ number: 7, title: 'Bump express' }),
          prFixture({
            number: 8,
            title: 'checkout (dev): raise memory',
            healing: true,
            repo: 'acme/gitops',
          }),
        ]);
      }
      if (name === 'recommender') throw rateLimited;
      throw noAccess;
    });
    await render(api);
    const table = screen.getByTestId('luffy-services-attention');
    await within(table).findByRole(
      'link',
      { name: '2 open (1 healing, 2 awaiting review)' },
      found,
    );
    const checkout = within(table)
      .getByRole('link', { name: 'checkout' })
      .closest('tr')!;
    expect(
      within(checkout).getByText(/1 awaiting approval/),
    ).toBeInTheDocument();
    expect(
      within(checkout).getByRole('link', {
        name: '2 open (1 healing, 2 awaiting review)',
      }),
    ).toHaveAttribute(
      'href',
      '/catalog/default/component/checkout/pull-requests',
    );
    const recommender = (
      await within(table).findByRole('link', { name: 'recommender' }, found)
    ).closest('tr')!;
    expect(
      within(recommender).getByText(
        `GitHub rate-limited until ${resetAt.toLocaleTimeString()}`,
        { exact: false },
      ),
    ).toBeInTheDocument();
    const inventory = within(table)
      .getByRole('link', { name: 'inventory' })
      .closest('tr')!;
    expect(within(inventory).getByText(/no access/)).toBeInTheDocument();

    // the waiting pull requests across the catalog
    expect(
      await screen.findByRole(
        'link',
        { name: 'acme/gitops#8 checkout (dev): raise memory' },
        found,
      ),
    ).toBeInTheDocument();
  });

  it('charts the metrics of the services the filters select', async () => {
    const api = apiWith([awaiting, ...healed]);
    api.getMetrics = jest.fn(async () => metricsFixture());
    await render(api);
    const metrics = await screen.findByTestId('luffy-metrics', {}, found);
    expect(
      within(metrics).getByText('Median 21m over 3 heals'),
    ).toBeInTheDocument();
    expect(api.getMetrics).toHaveBeenLastCalledWith({
      entityRefs: undefined,
      weeks: 12,
    });

    await userEvent.selectOptions(
      screen.getByLabelText('Owner'),
      'team-payments',
    );
    await waitFor(() =>
      expect(api.getMetrics).toHaveBeenLastCalledWith({
        entityRefs: [
          'component:default/checkout',
          'component:default/inventory',
        ],
        weeks: 12,
      }),
    );
    await userEvent.selectOptions(
      screen.getByLabelText('Service'),
      'recommender',
    );
    await waitFor(() =>
      expect(api.getMetrics).toHaveBeenLastCalledWith({
        entityRefs: ['component:default/recommender'],
        weeks: 12,
      }),
    );
  });
});
