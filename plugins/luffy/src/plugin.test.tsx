import { renderTestApp } from '@backstage/frontend-test-utils';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import { screen } from '@testing-library/react';
import type { Incident } from '@openluffy/plugin-luffy-common';
import { fakeLuffyApi } from './testUtils/fakeLuffyApi';
import {
  healingEntityContent,
  isServiceEntity,
  pullRequestsEntityContent,
} from './plugin';
import { luffyApiRef } from './api';

const service = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'checkout',
    namespace: 'default',
    annotations: {
      'github.com/project-slug': 'acme/checkout',
      'openluffy.io/gitops-repo': 'acme/gitops',
      'openluffy.io/autonomy': 'propose',
    },
  },
  spec: { type: 'service', owner: 'platform-team' },
};

function fakeApi(incidents: Incident[]) {
  return fakeLuffyApi({ incidents });
}

const entityCalls = (api: ReturnType<typeof fakeApi>) =>
  api.calls
    .filter(c => c.method === 'listEntityIncidents')
    .map(c => ({ entity: c.args[0], options: c.args[1] }));

// Lazy tabs load heavy modules (material-table, the diff renderer) on a shared 2-core box.
const slow = { timeout: 60_000 };
jest.setTimeout(180_000);

describe('luffy frontend plugin', () => {
  it('only targets service components', () => {
    expect(isServiceEntity(service as any)).toBe(true);
    expect(
      isServiceEntity({ ...service, spec: { type: 'website' } } as any),
    ).toBe(false);
    expect(isServiceEntity({ ...service, kind: 'API' } as any)).toBe(false);
  });

  it('renders the Pull requests tab with the open pull requests', async () => {
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: service }),
        pullRequestsEntityContent,
      ],
      apis: [[luffyApiRef, fakeApi([])]],
    });
    expect(
      await screen.findByTestId('luffy-pull-requests-content', {}, slow),
    ).toBeInTheDocument();
    expect(
      await screen.findByText('No open pull requests', {}, slow),
    ).toBeInTheDocument();
    expect(screen.getByText(/Watching acme\/checkout/)).toBeInTheDocument();
  });

  it('renders the Healing tab with the entity incidents from the API', async () => {
    const api = fakeApi([
      {
        id: '1',
        entityRef: 'component:default/checkout',
        key: 'sandbox/acme-dev/checkout/OOMKilled',
        cluster: 'sandbox',
        namespace: 'acme-dev',
        workload: 'checkout',
        reason: 'OOMKilled',
        status: 'awaiting-approval',
        summary: 'Memory limit 128Mi is below the 180Mi the process needs',
        createdAt: '2026-11-29T10:00:00.000Z',
        updatedAt: '2026-11-29T10:00:00.000Z',
      },
    ]);
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: service }),
        healingEntityContent,
      ],
      apis: [[luffyApiRef, api]],
    });
    expect(
      await screen.findByText(
        'Memory limit 128Mi is below the 180Mi the process needs',
        {},
        slow,
      ),
    ).toBeInTheDocument();
    expect(screen.getByText(/a human approves it/)).toBeInTheDocument();
    expect(entityCalls(api)).toEqual([
      {
        entity: { namespace: 'default', kind: 'Component', name: 'checkout' },
        options: { limit: 10 },
      },
    ]);
  });

  it('shows an empty state when the service has no incident', async () => {
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: service }),
        healingEntityContent,
      ],
      apis: [[luffyApiRef, fakeApi([])]],
    });
    expect(await screen.findByText('No incidents')).toBeInTheDocument();
  });
});
