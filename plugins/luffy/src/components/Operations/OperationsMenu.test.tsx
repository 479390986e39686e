import {
  alertApiRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { AuditTrailCard } from './AuditTrailCard';
import { OperationsMenu } from './OperationsMenu';

jest.setTimeout(60_000);

const entity = { namespace: 'default', kind: 'Component', name: 'checkout' };

function setup(
  handler: (url: string, body: any) => { status: number; body: unknown },
) {
  const calls: Array<{ url: string; body: any }> = [];
  const fetchApi = {
    fetch: jest.fn(async (url: string, init?: RequestInit) => {
      const body = init?.body ? JSON.parse(String(init.body)) : undefined;
      calls.push({ url, body });
      const r = handler(url, body);
      return new Response(JSON.stringify(r.body), {
        status: r.status,
        headers: { 'content-type': 'application/json' },
      });
    }),
  };
  const alertApi = mockApis.alert();
  const apis = [
    [fetchApiRef, fetchApi],
    [discoveryApiRef, { getBaseUrl: async () => 'http://backend/api/luffy' }],
    [alertApiRef, alertApi],
  ] as any;
  return { calls, alertApi, apis };
}

const preview = {
  operation: 'argocd-rollback',
  entityRef: 'component:default/checkout',
  status: 'dry-run',
  path: 'gitops',
  durationMs: 5,
  changes: [
    {
      description: 'Revert abc1234 "checkout dev: 1.5.0" in apps/checkout/dev',
    },
  ],
  requests: [
    { system: 'gitops', method: 'POST', path: '/repos/acme/gitops/pulls' },
  ],
  confirmation: {
    token: 'tok-1',
    expiresAt: '2026-01-01T00:00:00Z',
    reason: 'rolling dev back',
  },
};

describe('OperationsMenu', () => {
  it('shows the dry run, then confirms with its token and reports an alert', async () => {
    const { calls, alertApi, apis } = setup((_url, body) =>
      body.dryRun
        ? { status: 200, body: preview }
        : {
            status: 200,
            body: {
              ...preview,
              status: 'pending',
              pullRequestUrl: 'http://gh/acme/gitops/pull/7',
            },
          },
    );
    await renderInTestApp(
      <OperationsMenu entity={entity} environment="dev" />,
      { apis },
    );
    await userEvent.click(
      screen.getByRole('button', { name: 'Operations for dev' }),
    );
    await userEvent.click(
      await screen.findByRole('menuitem', { name: 'Rollback' }),
    );
    expect(await screen.findByText(/Revert abc1234/)).toBeInTheDocument();
    expect(
      screen.getByText('POST /repos/acme/gitops/pulls'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Destructive: rolling dev back/),
    ).toBeInTheDocument();
    expect(calls[0]).toMatchObject({
      url: 'http://backend/api/luffy/entity/default/Component/checkout/operations/argocd-rollback',
      body: { environment: 'dev', dryRun: true },
    });
    await userEvent.click(screen.getByRole('button', { name: 'Confirm' }));
    await waitFor(() => expect(alertApi.getAlerts()).toHaveLength(1));
    expect(calls[1].body).toEqual({
      environment: 'dev',
      confirmationToken: 'tok-1',
    });
    expect(alertApi.getAlerts()[0]).toMatchObject({
      severity: 'success',
      message: expect.stringContaining('http://gh/acme/gitops/pull/7'),
    });
  });

  it('runs a workflow and follows the run live until it completes', async () => {
    let polls = 0;
    const { calls, apis } = setup((url, body) => {
      if (url.includes('/workflow-runs/')) {
        polls++;
        const completed = polls >= 3;
        return {
          status: 200,
          body: {
            id: 42,
            name: 'CI',
            status: completed ? 'completed' : 'in_progress',
            conclusion: completed ? 'success' : null,
            attempt: 1,
            htmlUrl: 'http://gh/acme/checkout/actions/runs/42',
            jobs: [
              {
                id: 7,
                name: 'build',
                status: completed ? 'completed' : 'in_progress',
                conclusion: completed ? 'success' : null,
                htmlUrl: 'http://gh/acme/checkout/actions/runs/42/job/7',
              },
            ],
          },
        };
      }
      return {
        status: 200,
        body: {
          operation: 'workflow-dispatch',
          entityRef: 'component:default/checkout',
          status: body.dryRun ? 'dry-run' : 'succeeded',
          path: 'github',
          durationMs: 4,
          changes: [
            { description: 'Dispatch CI (.github/workflows/ci.yaml) on main' },
          ],
          requests: [
            {
              system: 'github',
              method: 'POST',
              path: '/repos/acme/checkout/actions/workflows/1/dispatches',
            },
          ],
          details: body.dryRun ? {} : { run: { id: 42 } },
        },
      };
    });
    await renderInTestApp(
      <OperationsMenu entity={entity} environment="dev" />,
      { apis },
    );
    await userEvent.click(
      screen.getByRole('button', { name: 'Operations for dev' }),
    );
    await userEvent.click(
      await screen.findByRole('menuitem', { name: 'Run workflow…' }),
    );
    expect(
      await screen.findByText(/Dispatch CI/, {}, { timeout: 15_000 }),
    ).toBeInTheDocument();
    expect(calls[0].body).toEqual({ workflow: 'ci.yaml', dryRun: true });
    await userEvent.click(screen.getByRole('button', { name: 'Run' }));
    const run = await screen.findByTestId(
      'luffy-workflow-run',
      {},
      { timeout: 15_000 },
    );
    expect(calls[1].body).toEqual({ workflow: 'ci.yaml' });
    await waitFor(
      () => expect(run).toHaveAttribute('data-status', 'in_progress'),
      { timeout: 15_000 },
    );
    // polled until the run completes, then no more requests
    await waitFor(
      () => expect(run).toHaveAttribute('data-status', 'completed'),
      { timeout: 20_000 },
    );
    expect(screen.getByRole('link', { name: /^logs/ })).toHaveAttribute(
      'href',
      'http://gh/acme/checkout/actions/runs/42/job/7',
    );
    expect(calls.filter(c => c.url.endsWith('/workflow-runs/42'))).toHaveLength(
      3,
    );
    expect(screen.getByRole('button', { name: 'Close' })).toBeInTheDocument();
  });

  it('is disabled when luffy.operation.run is denied for this entity', async () => {
    const { apis } = setup(() => ({ status: 200, body: preview }));
    const asked: unknown[] = [];
    // another entity than the other tests: usePermission caches answers per resource (SWR)
    await renderInTestApp(
      <OperationsMenu
        entity={{ ...entity, name: 'payments' }}
        environment="prod"
      />,
      {
        apis: [
          ...apis,
          [
            permissionApiRef,
            mockApis.permission({
              authorize: request => {
                asked.push(request);
                return AuthorizeResult.DENY;
              },
            }),
          ],
        ],
      },
    );
    await waitFor(
      () =>
        expect(
          screen.getByRole('button', { name: 'Operations for prod' }),
        ).toBeDisabled(),
      { timeout: 15_000 },
    );
    expect(asked[0]).toMatchObject({
      permission: { name: 'luffy.operation.run' },
      resourceRef: 'component:default/payments',
    });
  });

  it('shows a refusal (403) in the dialog and never runs', async () => {
    const { calls, apis } = setup(() => ({
      status: 403,
      body: {
        error: {
          name: 'NotAllowedError',
          message:
            'Running operations needs the permission luffy.operation.run',
        },
        request: { method: 'POST', url: '/' },
        response: { statusCode: 403 },
      },
    }));
    await renderInTestApp(
      <OperationsMenu entity={entity} environment="prod" />,
      { apis },
    );
    await userEvent.click(
      screen.getByRole('button', { name: 'Operations for prod' }),
    );
    await userEvent.click(
      await screen.findByRole('menuitem', { name: 'Restart' }),
    );
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'luffy.operation.run',
    );
    expect(screen.getByRole('button', { name: 'Run' })).toBeDisabled();
    expect(calls).toHaveLength(1);
  });
});

describe('AuditTrailCard', () => {
  it('lists the entity’s audit rows', async () => {
    const { calls, apis } = setup(() => ({
      status: 200,
      body: {
        totalCount: 1,
        items: [
          {
            id: '1',
            actor: 'user:default/alice',
            action: 'operation.restart',
            target: 'component:default/checkout',
            input: { environment: 'dev' },
            outcome: 'succeeded',
            durationMs: 42,
            createdAt: '2026-12-04T19:00:00Z',
          },
        ],
      },
    }));
    await renderInTestApp(<AuditTrailCard entity={entity} />, { apis });
    expect(await screen.findByText('operation.restart')).toBeInTheDocument();
    expect(screen.getByText('42 ms')).toBeInTheDocument();
    expect(calls[0].url).toBe(
      'http://backend/api/luffy/audit?target=component%3Adefault%2Fcheckout&limit=20',
    );
  });
});
