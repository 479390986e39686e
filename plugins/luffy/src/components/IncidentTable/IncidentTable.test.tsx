import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { Incident } from '@openluffy/plugin-luffy-common';
import { screen, within } from '@testing-library/react';
import { IncidentTable } from './IncidentTable';

const incident = (over: Partial<Incident>): Incident => ({
  id: 'i-1',
  entityRef: 'component:default/checkout',
  key: 'sandbox/acme-dev/checkout/OOMKilled',
  cluster: 'sandbox',
  namespace: 'acme-dev',
  workload: 'checkout',
  reason: 'OOMKilled',
  status: 'awaiting-approval',
  createdAt: '2026-11-29T10:00:00.000Z',
  updatedAt: '2026-11-29T10:00:00.000Z',
  ...over,
});

const incidents = [
  incident({
    summary: 'memory limit 128Mi below demand',
    pullRequestUrl: 'https://github.example/acme/gitops/pull/7',
  }),
  incident({
    id: 'i-2',
    entityRef: 'component:default/inventory',
    namespace: 'acme-prod',
    workload: 'inventory',
    reason: 'CrashLoopBackOff',
    status: 'healed',
  }),
];

function row(text: string) {
  const cell = screen.getByText(text);
  const tr = cell.closest('tr');
  if (!tr) throw new Error(`no row for ${text}`);
  return within(tr);
}

jest.setTimeout(30_000);

describe('IncidentTable', () => {
  it('shows workload, reason, status, diagnosis and the fix pull request per incident', async () => {
    await renderInTestApp(
      <IncidentTable title="Incidents" incidents={incidents} />,
    );

    expect(screen.getByText('Incidents')).toBeInTheDocument();
    const first = row('acme-dev/checkout');
    expect(first.getByText('OOMKilled')).toBeInTheDocument();
    expect(first.getByText('awaiting approval')).toBeInTheDocument();
    expect(
      first.getByText('memory limit 128Mi below demand'),
    ).toBeInTheDocument();
    expect(first.getByText('open').closest('a')).toHaveAttribute(
      'href',
      'https://github.example/acme/gitops/pull/7',
    );

    const second = row('acme-prod/inventory');
    expect(second.getByText('CrashLoopBackOff')).toBeInTheDocument();
    expect(second.getByText('healed')).toBeInTheDocument();
    expect(second.getByText('—')).toBeInTheDocument();
    expect(second.queryByRole('link')).not.toBeInTheDocument();

    expect(screen.queryByText('Service')).not.toBeInTheDocument();
  });

  it('names the service of each incident when asked to', async () => {
    await renderInTestApp(
      <IncidentTable title="Incidents" incidents={incidents} showEntity />,
    );
    expect(screen.getByText('Service')).toBeInTheDocument();
    expect(
      row('acme-dev/checkout').getByText('component:default/checkout'),
    ).toBeInTheDocument();
    expect(
      row('acme-prod/inventory').getByText('component:default/inventory'),
    ).toBeInTheDocument();
  });
});
