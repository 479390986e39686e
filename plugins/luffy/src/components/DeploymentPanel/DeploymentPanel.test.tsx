import {
  alertApiRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { useEffect, useState } from 'react';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { luffyApiRef } from '../../api';
import { fakeLuffyApi } from '../../testUtils/fakeLuffyApi';
import { DeploymentPanel } from './DeploymentPanel';

jest.setTimeout(60_000);

const entity = { namespace: 'default', kind: 'Component', name: 'checkout' };

/** The tab re-renders the panel (live pull request updates), with a new entity object. */
function Rerendering() {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick(n => n + 1), 200);
    return () => clearInterval(t);
  }, []);
  return (
    <div data-tick={tick}>
      <DeploymentPanel entity={{ ...entity }} />
    </div>
  );
}

describe('DeploymentPanel', () => {
  it('keeps an environment’s Operations menu open while the pods below are polled and the tab re-renders', async () => {
    let polls = 0;
    const fetchApi = {
      fetch: jest.fn(async (url: string) => {
        if (url.includes('/operations/')) {
          return new Response(
            JSON.stringify({
              operation: 'restart',
              entityRef: 'component:default/checkout',
              status: 'dry-run',
              path: 'kubernetes',
              durationMs: 2,
              changes: [{ description: 'Restart acme-dev/checkout' }],
              requests: [],
            }),
            { status: 200, headers: { 'content-type': 'application/json' } },
          );
        }
        polls++;
        return new Response(
          JSON.stringify({
            environments: [
              {
                environment: 'dev',
                cluster: 'sandbox',
                namespace: 'acme-dev',
                deployment: 'checkout',
                replicas: 1,
                readyReplicas: 0,
                updatedReplicas: 1,
                health: { status: 'Progressing', message: '0/1 ready' },
                pods: [
                  {
                    name: `checkout-x-${polls}`,
                    phase: 'Pending',
                    ready: false,
                    restarts: 0,
                    current: true,
                  },
                ],
              },
            ],
          }),
          { status: 200, headers: { 'content-type': 'application/json' } },
        );
      }),
    };
    await renderInTestApp(<Rerendering />, {
      apis: [
        [fetchApiRef, fetchApi],
        [
          discoveryApiRef,
          { getBaseUrl: async () => 'http://backend/api/luffy' },
        ],
        [alertApiRef, mockApis.alert()],
        [luffyApiRef, fakeLuffyApi()],
      ] as any,
    });
    await userEvent.click(
      await screen.findByRole(
        'button',
        { name: 'Operations for dev' },
        { timeout: 15_000 },
      ),
    );
    expect(
      await screen.findByRole('menuitem', { name: 'Restart' }),
    ).toBeVisible();
    const before = polls;
    // the pods poll every 1.5 s while the rollout progresses: the menu stays open
    await screen.findByText(
      `checkout-x-${before + 2}`,
      {},
      { timeout: 15_000 },
    );
    expect(screen.getByRole('menuitem', { name: 'Restart' })).toBeVisible();
    // and the dialog an entry opens stays open too
    await userEvent.click(screen.getByRole('menuitem', { name: 'Restart' }));
    expect(await screen.findByText('Restart acme-dev/checkout')).toBeVisible();
    await screen.findByText(`checkout-x-${polls + 2}`, {}, { timeout: 15_000 });
    expect(screen.getByText('Restart acme-dev/checkout')).toBeVisible();
  });
});
