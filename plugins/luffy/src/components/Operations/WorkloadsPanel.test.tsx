import {
  alertApiRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import type {
  WorkloadEnvironment,
  WorkloadsResponse,
} from '@openluffy/plugin-luffy-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { luffyApiRef } from '../../api';
import { fakeLuffyApi } from '../../testUtils/fakeLuffyApi';
import { WorkloadsPanel } from './WorkloadsPanel';

jest.setTimeout(60_000);

const entity = { namespace: 'default', kind: 'Component', name: 'checkout' };

const env = (over: Partial<WorkloadEnvironment> = {}): WorkloadEnvironment => ({
  environment: 'prod',
  cluster: 'sandbox',
  namespace: 'acme-prod',
  deployment: 'checkout',
  replicas: 2,
  readyReplicas: 2,
  updatedReplicas: 2,
  health: { status: 'Healthy', message: '2/2 ready, 2 updated' },
  pods: [
    {
      name: 'checkout-a-1',
      phase: 'Running',
      ready: true,
      restarts: 0,
      current: true,
    },
    {
      name: 'checkout-a-2',
      phase: 'Running',
      ready: true,
      restarts: 3,
      current: true,
    },
  ],
  ...over,
});

describe('WorkloadsPanel', () => {
  it('deletes a pod from its row (dry run, then confirm with the token) and follows the replacement live', async () => {
    const states: WorkloadsResponse[] = [
      { environments: [env()] },
      // after the delete: one pod terminating, its replacement starting
      {
        environments: [
          env({
            readyReplicas: 1,
            health: { status: 'Progressing', message: '1/2 ready' },
            pods: [
              {
                name: 'checkout-a-1',
                phase: 'Terminating',
                ready: false,
                restarts: 0,
                current: true,
              },
              {
                name: 'checkout-a-2',
                phase: 'Running',
                ready: true,
                restarts: 3,
                current: true,
              },
              {
                name: 'checkout-a-3',
                phase: 'Pending',
                ready: false,
                restarts: 0,
                current: true,
              },
            ],
          }),
        ],
      },
      {
        environments: [
          env({
            pods: [
              {
                name: 'checkout-a-2',
                phase: 'Running',
                ready: true,
                restarts: 3,
                current: true,
              },
              {
                name: 'checkout-a-3',
                phase: 'Running',
                ready: true,
                restarts: 0,
                current: true,
              },
            ],
          }),
        ],
      },
    ];
    let view = 0;
    let deleted = false;
    const calls: Array<{ url: string; body?: any }> = [];
    const fetchApi = {
      fetch: jest.fn(async (url: string, init?: RequestInit) => {
        const body = init?.body ? JSON.parse(String(init.body)) : undefined;
        calls.push({ url, body });
        let answer: unknown;
        if (url.includes('/workloads')) {
          answer = states[deleted ? Math.min(++view, states.length - 1) : 0];
        } else if (body?.dryRun) {
          answer = {
            operation: 'delete-pod',
            entityRef: 'component:default/checkout',
            status: 'dry-run',
            path: 'kubernetes',
            durationMs: 3,
            changes: [{ description: 'Delete pod acme-prod/checkout-a-1' }],
            requests: [
              {
                system: 'kubernetes',
                method: 'DELETE',
                path: '/api/v1/namespaces/acme-prod/pods/checkout-a-1',
              },
            ],
            confirmation: {
              token: 'tok-9',
              expiresAt: '2026-01-01T00:00:00Z',
              reason: 'deleting a pod',
            },
          };
        } else {
          deleted = true;
          answer = {
            operation: 'delete-pod',
            entityRef: 'component:default/checkout',
            status: 'succeeded',
            path: 'kubernetes',
            durationMs: 9,
            changes: [],
            requests: [],
          };
        }
        return new Response(JSON.stringify(answer), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      }),
    };
    const alertApi = mockApis.alert();
    await renderInTestApp(<WorkloadsPanel entity={entity} intervalMs={50} />, {
      apis: [
        [fetchApiRef, fetchApi],
        [
          discoveryApiRef,
          { getBaseUrl: async () => 'http://backend/api/luffy' },
        ],
        [alertApiRef, alertApi],
        [luffyApiRef, fakeLuffyApi()],
      ] as any,
    });

    expect(
      await screen.findByText('checkout-a-1', {}, { timeout: 15_000 }),
    ).toBeInTheDocument();
    expect(calls[0].url).toBe(
      'http://backend/api/luffy/entity/default/Component/checkout/workloads',
    );
    await userEvent.click(
      screen.getByRole('button', { name: 'Operations for pod checkout-a-1' }),
    );
    expect(
      await screen.findByRole('menuitem', { name: 'Logs' }),
    ).toBeInTheDocument();
    await userEvent.click(
      screen.getByRole('menuitem', { name: 'Delete pod…' }),
    );
    expect(
      await screen.findByText(
        'DELETE /api/v1/namespaces/acme-prod/pods/checkout-a-1',
      ),
    ).toBeInTheDocument();
    const dry = calls.find(c => c.body?.dryRun)!;
    expect(dry).toMatchObject({
      url: 'http://backend/api/luffy/entity/default/Component/checkout/operations/delete-pod',
      body: {
        environment: 'prod',
        pod: 'checkout-a-1',
        deployment: 'checkout',
        dryRun: true,
      },
    });
    await userEvent.click(screen.getByRole('button', { name: 'Confirm' }));
    await waitFor(() => expect(alertApi.getAlerts()).toHaveLength(1));
    expect(calls.find(c => c.body?.confirmationToken)?.body).toEqual({
      environment: 'prod',
      pod: 'checkout-a-1',
      deployment: 'checkout',
      confirmationToken: 'tok-9',
    });

    // live: the rollout shows while the replacement starts, then the new pod is ready
    await waitFor(
      () =>
        expect(screen.getByTestId('luffy-rollout-prod')).toHaveAttribute(
          'data-health',
          'Progressing',
        ),
      { timeout: 15_000 },
    );
    await waitFor(
      () => {
        expect(screen.getByTestId('luffy-rollout-prod')).toHaveAttribute(
          'data-health',
          'Healthy',
        );
        expect(screen.queryByText('checkout-a-1')).not.toBeInTheDocument();
      },
      { timeout: 15_000 },
    );
    const row = screen.getByText('checkout-a-3').closest('tr')!;
    expect(within(row).getByText('Ready')).toBeInTheDocument();
  });
});
