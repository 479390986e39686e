import {
  alertApiRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import type { WorkflowRunStatus } from '@openluffy/plugin-luffy-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { WorkflowRunProgress } from './WorkflowRunProgress';

jest.setTimeout(60_000);

const entity = { namespace: 'default', kind: 'Component', name: 'checkout' };
const base = 'http://backend/api/luffy/entity/default/Component/checkout';

/**
 * A fake backend holding one workflow run: GET .../workflow-runs/42 reads it (and advances it
 * by one poll), POST .../operations/workflow-cancel|workflow-rerun changes it unless dryRun.
 */
function fakeBackend(initial: WorkflowRunStatus) {
  let run = initial;
  // a started attempt completes after this many polls
  let pollsLeft = 0;
  let completeAs: 'success' | 'failure' | 'cancelled' = 'success';
  // like GitHub right after a re-run: the next read still shows the previous attempt
  let stale: WorkflowRunStatus | undefined;
  const calls: Array<{ url: string; body?: any }> = [];
  const job = (status: string, conclusion: string | null) => ({
    id: 7,
    name: 'build',
    status,
    conclusion,
    htmlUrl: `http://gh/acme/checkout/actions/runs/42/job/7`,
  });
  const fetchApi = {
    fetch: jest.fn(async (url: string, init?: RequestInit) => {
      const body = init?.body ? JSON.parse(String(init.body)) : undefined;
      calls.push({ url, body });
      const json = (status: number, data: unknown) =>
        new Response(JSON.stringify(data), {
          status,
          headers: { 'content-type': 'application/json' },
        });
      if (url === `${base}/workflow-runs/42`) {
        if (stale) {
          const previous = stale;
          stale = undefined;
          return json(200, previous);
        }
        if (run.status !== 'completed' && pollsLeft > 0 && --pollsLeft === 0) {
          run = {
            ...run,
            status: 'completed',
            conclusion: completeAs,
            jobs: [job('completed', completeAs)],
          };
        }
        return json(200, run);
      }
      const op = url.slice(`${base}/operations/`.length);
      if (op === 'workflow-cancel' && run.status === 'completed') {
        return json(409, {
          error: { name: 'ConflictError', message: 'Run 42 already completed' },
          request: { method: 'POST', url },
          response: { statusCode: 409 },
        });
      }
      let endpoint = body.failedOnly ? 'rerun-failed-jobs' : 'rerun';
      if (op === 'workflow-cancel') endpoint = 'cancel';
      if (!body.dryRun) {
        if (op === 'workflow-cancel') {
          completeAs = 'cancelled';
          pollsLeft = 1;
        } else {
          stale = run;
          run = {
            ...run,
            status: 'queued',
            conclusion: null,
            attempt: (run.attempt ?? 1) + 1,
            jobs: [job('queued', null)],
          };
          completeAs = 'success';
          pollsLeft = 3;
        }
      }
      return json(200, {
        operation: op,
        entityRef: 'component:default/checkout',
        status: body.dryRun ? 'dry-run' : 'succeeded',
        path: 'github',
        durationMs: 3,
        changes: [
          {
            description:
              op === 'workflow-cancel'
                ? 'Cancel run 42'
                : `Re-run ${body.failedOnly ? 'failed jobs of ' : ''}run 42`,
          },
        ],
        requests: [
          {
            system: 'github',
            method: 'POST',
            path: `/repos/acme/checkout/actions/runs/42/${endpoint}`,
          },
        ],
        details: {
          run: { id: 42, attempt: run.attempt, status: run.status },
        },
      });
    }),
  };
  const alertApi = mockApis.alert();
  const apis = [
    [fetchApiRef, fetchApi],
    [discoveryApiRef, { getBaseUrl: async () => 'http://backend/api/luffy' }],
    [alertApiRef, alertApi],
  ] as any;
  return {
    calls,
    alertApi,
    apis,
    ops: () => calls.filter(c => c.url.includes('/operations/')),
  };
}

const running: WorkflowRunStatus = {
  id: 42,
  name: 'CI',
  status: 'in_progress',
  conclusion: null,
  attempt: 1,
  htmlUrl: 'http://gh/acme/checkout/actions/runs/42',
  jobs: [
    {
      id: 7,
      name: 'build',
      status: 'in_progress',
      conclusion: null,
      htmlUrl: 'http://gh/acme/checkout/actions/runs/42/job/7',
    },
  ],
};

describe('WorkflowRunProgress', () => {
  it('cancels a running run after its dry run, then re-runs its failed jobs and follows the new attempt', async () => {
    const { alertApi, apis, ops } = fakeBackend(running);
    await renderInTestApp(
      <WorkflowRunProgress entity={entity} runId={42} intervalMs={50} />,
      { apis },
    );
    const run = await screen.findByTestId('luffy-workflow-run');
    await waitFor(() =>
      expect(run).toHaveAttribute('data-status', 'in_progress'),
    );
    // while it runs: Cancel only
    expect(
      screen.queryByRole('button', { name: /Re-run/ }),
    ).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Cancel run' }));

    // the dry run first: what it will request, nothing sent yet
    const preview = await screen.findByTestId('luffy-operation-preview');
    expect(
      within(preview).getByText(
        'POST /repos/acme/checkout/actions/runs/42/cancel',
      ),
    ).toBeInTheDocument();
    expect(ops()).toEqual([
      {
        url: `${base}/operations/workflow-cancel`,
        body: { runId: 42, dryRun: true },
      },
    ]);
    await userEvent.click(screen.getByRole('button', { name: 'Cancel run' }));
    await waitFor(() => expect(alertApi.getAlerts()).toHaveLength(1));
    expect(alertApi.getAlerts()[0]).toMatchObject({
      severity: 'success',
      message: 'Cancel run — run #42: succeeded',
    });
    expect(ops()[1].body).toEqual({ runId: 42 });

    // followed until it completed (cancelled): now Re-run, all jobs or the failed ones
    await waitFor(() =>
      expect(run).toHaveAttribute('data-status', 'completed'),
    );
    // the run and its job
    expect(within(run).getAllByText('cancelled')).toHaveLength(2);
    expect(
      screen.queryByRole('button', { name: 'Cancel run' }),
    ).not.toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Re-run all jobs' }),
    ).toBeEnabled();
    await userEvent.click(
      screen.getByRole('button', { name: 'Re-run failed jobs' }),
    );
    expect(
      await screen.findByText(
        'POST /repos/acme/checkout/actions/runs/42/rerun-failed-jobs',
      ),
    ).toBeInTheDocument();
    expect(ops()[2].body).toEqual({
      runId: 42,
      failedOnly: true,
      dryRun: true,
    });
    await userEvent.click(
      screen.getByRole('button', { name: 'Re-run failed jobs' }),
    );
    await waitFor(() => expect(alertApi.getAlerts()).toHaveLength(2));
    expect(ops()[3].body).toEqual({ runId: 42, failedOnly: true });

    // the new attempt is followed live until it completes
    await waitFor(() => expect(run).toHaveAttribute('data-attempt', '2'));
    expect(screen.getByText(/attempt 2/)).toBeInTheDocument();
    await waitFor(
      () => {
        expect(run).toHaveAttribute('data-status', 'completed');
        expect(
          screen.queryByRole('progressbar', { name: 'Run 42 in progress' }),
        ).not.toBeInTheDocument();
      },
      { timeout: 10_000 },
    );
    expect(within(run).getAllByText('success')).toHaveLength(2);
    // a successful run has nothing failed to re-run
    expect(
      screen.queryByRole('button', { name: 'Re-run failed jobs' }),
    ).not.toBeInTheDocument();
    expect(ops()).toHaveLength(4);
  });

  it('reports a refused cancel as an alert and in the view, and offers to go back', async () => {
    const { alertApi, apis, ops } = fakeBackend(running);
    await renderInTestApp(
      <WorkflowRunProgress entity={entity} runId={42} intervalMs={60_000} />,
      { apis },
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Cancel run' }),
    );
    await screen.findByTestId('luffy-operation-preview');
    // the run completed on the GitHub side in the meantime: the cancel is refused
    apis[0][1].fetch.mockImplementationOnce(
      async () =>
        new Response(
          JSON.stringify({
            error: {
              name: 'ConflictError',
              message: 'Run 42 already completed (success)',
            },
            request: { method: 'POST', url: '/' },
            response: { statusCode: 409 },
          }),
          { status: 409, headers: { 'content-type': 'application/json' } },
        ),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Cancel run' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Run 42 already completed (success)',
    );
    expect(alertApi.getAlerts()).toEqual([
      expect.objectContaining({
        severity: 'error',
        message:
          'Cancel run — run #42 failed: Run 42 already completed (success)',
      }),
    ]);
    await userEvent.click(screen.getByRole('button', { name: 'Back' }));
    expect(
      screen.queryByTestId('luffy-operation-preview'),
    ).not.toBeInTheDocument();
    expect(ops()).toHaveLength(1);
  });
});
