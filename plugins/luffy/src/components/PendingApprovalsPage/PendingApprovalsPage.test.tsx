import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { Incident } from '@openluffy/plugin-luffy-common';
import { screen } from '@testing-library/react';
import { luffyApiRef } from '../../api';
import { fakeLuffyApi } from '../../testUtils/fakeLuffyApi';
import { PendingApprovalsPage } from './PendingApprovalsPage';

const awaiting: Incident = {
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
};

jest.setTimeout(30_000);

describe('PendingApprovalsPage', () => {
  it('lists the incidents awaiting approval across the catalog', async () => {
    const listIncidents = jest.fn(async () => ({
      items: [awaiting],
      totalCount: 1,
    }));
    await renderInTestApp(<PendingApprovalsPage />, {
      apis: [[luffyApiRef, fakeLuffyApi({ listIncidents })]],
    });

    expect(
      await screen.findByText('memory limit 128Mi below demand'),
    ).toBeInTheDocument();
    expect(screen.getByText('component:default/checkout')).toBeInTheDocument();
    expect(screen.getByText('acme-dev/checkout')).toBeInTheDocument();
    expect(listIncidents).toHaveBeenCalledWith({
      status: ['awaiting-approval'],
    });
  });

  it('says so when nothing waits', async () => {
    await renderInTestApp(<PendingApprovalsPage />, {
      apis: [
        [
          luffyApiRef,
          fakeLuffyApi({
            listIncidents: async () => ({ items: [], totalCount: 0 }),
          }),
        ],
      ],
    });
    expect(
      await screen.findByText('Nothing waits for approval'),
    ).toBeInTheDocument();
  });

  it('shows the error when the backend fails', async () => {
    await renderInTestApp(<PendingApprovalsPage />, {
      apis: [
        [
          luffyApiRef,
          fakeLuffyApi({
            listIncidents: async () => {
              throw new Error('luffy backend unavailable');
            },
          }),
        ],
      ],
    });
    expect(
      (await screen.findAllByText(/luffy backend unavailable/))[0],
    ).toBeInTheDocument();
    expect(
      screen.queryByText('Nothing waits for approval'),
    ).not.toBeInTheDocument();
  });
});
