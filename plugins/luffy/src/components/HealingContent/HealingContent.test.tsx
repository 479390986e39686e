import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ResponseError } from '@backstage/errors';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { SWRConfig } from 'swr';
import type { Entity } from '@backstage/catalog-model';
import type { Incident, IncidentDetail } from '@openluffy/plugin-luffy-common';
import { luffyApiRef } from '../../api';
import { fakeLuffyApi } from '../../testUtils/fakeLuffyApi';
import { HealingContent, healingSummary } from './HealingContent';

jest.setTimeout(60_000);

const service: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'checkout',
    namespace: 'default',
    annotations: { 'openluffy.io/autonomy': 'propose' },
  },
  spec: { type: 'service' },
};

const base: Incident = {
  id: 'inc-1',
  entityRef: 'component:default/checkout',
  key: 'sandbox/acme-dev/checkout/OOMKilled',
  cluster: 'sandbox',
  namespace: 'acme-dev',
  workload: 'checkout',
  reason: 'OOMKilled',
  status: 'awaiting-approval',
  summary: 'Memory limit 128Mi is below what the process needs',
  env: 'dev',
  autonomy: 'propose',
  pullRequestUrl: 'http://127.0.0.1:18083/acme/gitops/pull/7',
  pullRequestState: 'open',
  createdAt: '2026-12-04T10:00:00.000Z',
  updatedAt: '2026-12-04T10:01:00.000Z',
};

const healed: Incident = {
  ...base,
  id: 'inc-0',
  status: 'healed',
  reason: 'CrashLoopBackOff',
  createdAt: '2026-12-03T10:00:00.000Z',
  resolvedAt: '2026-12-03T10:12:00.000Z',
};

const detail: IncidentDetail = {
  ...base,
  timeline: [
    {
      to: 'detected',
      actor: 'luffy',
      reason: 'container checkout OOMKilled 3 times',
      at: '2026-12-04T10:00:00.000Z',
    },
    {
      from: 'diagnosing',
      to: 'awaiting-approval',
      actor: 'luffy',
      reason: 'pull request #7 opened',
      at: '2026-12-04T10:01:00.000Z',
    },
  ],
  context: {
    findings: ['lastState.terminated.reason=OOMKilled'],
    logs: [
      {
        pod: 'checkout-7d9f-abcde',
        container: 'checkout',
        previous: true,
        lines: ['allocating cache', 'FATAL: JavaScript heap out of memory'],
      },
    ],
    events: [
      {
        object: 'Pod/checkout-7d9f-abcde',
        reason: 'BackOff',
        message: 'Back-off restarting failed container',
        count: 5,
      },
    ],
    redactions: 1,
  },
  diagnosis: {
    provider: 'rules',
    rootCause: 'The container exceeds its 128Mi memory limit.',
    confidence: 0.9,
    evidence: ['3 OOMKilled restarts in 10 minutes'],
    runbook: 'Raise the memory limit.',
    runbookId: 'raise-memory-limit',
    action: 'propose',
  },
  proposal: {
    repo: 'acme/gitops',
    path: 'apps/checkout/dev/deployment.yaml',
    branch: 'luffy/heal-checkout-inc-1',
    diff: `diff --git a/apps/checkout/dev/deployment.yaml b/apps/checkout/dev/deployment.yaml
--- a/apps/checkout/dev/deployment.yaml
+++ b/apps/checkout/dev/deployment.yaml
@@ -20,3 +20,3 @@
             limits:
-              memory: 128Mi
+              memory: 256Mi
             requests:
`,
  },
  pullRequest: {
    url: 'http://127.0.0.1:18083/acme/gitops/pull/7',
    number: 7,
    state: 'open',
    branch: 'luffy/heal-checkout-inc-1',
  },
};

function render(
  api: ReturnType<typeof fakeLuffyApi>,
  permission:
    | AuthorizeResult.ALLOW
    | AuthorizeResult.DENY = AuthorizeResult.ALLOW,
) {
  return renderInTestApp(
    // usePermission caches answers in SWR's global cache: a fresh cache per test keeps
    // one test's ALLOW from answering the next test's DENY.
    <SWRConfig value={{ provider: () => new Map() }}>
      <EntityProvider entity={service}>
        <HealingContent />
      </EntityProvider>
    </SWRConfig>,
    {
      apis: [
        [luffyApiRef, api],
        [permissionApiRef, mockApis.permission({ authorize: permission })],
      ],
    },
  );
}

describe('HealingContent', () => {
  it('summarises healed, failed, escalated and the mean time to heal', () => {
    expect(
      healingSummary([
        healed,
        { ...healed, id: 'x', resolvedAt: '2026-12-03T10:28:00.000Z' },
        { ...base, status: 'failed' },
        { ...base, status: 'escalated' },
        base,
      ]),
    ).toEqual({
      healed: 2,
      failed: 1,
      escalated: 1,
      open: 1,
      mttrMs: 20 * 60_000,
    });
  });

  it('shows progress while loading', async () => {
    render(fakeLuffyApi({ listEntityIncidents: () => new Promise(() => {}) }));
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('shows the empty state', async () => {
    render(fakeLuffyApi({ incidents: [] }));
    expect(await screen.findByText('No incidents')).toBeInTheDocument();
  });

  it('shows the error when the incident API fails', async () => {
    const error = await ResponseError.fromResponse(
      new Response(
        JSON.stringify({
          error: { name: 'Error', message: 'database is locked' },
          request: { method: 'GET', url: '/' },
          response: { statusCode: 500 },
        }),
        { status: 500, headers: { 'content-type': 'application/json' } },
      ) as any,
    );
    render(
      fakeLuffyApi({ listEntityIncidents: async () => Promise.reject(error) }),
    );
    expect(await screen.findByText(/database is locked/)).toBeInTheDocument();
  });

  it('shows an incident awaiting approval with its root cause, evidence, patch, PR and timeline', async () => {
    const api = fakeLuffyApi({
      incidents: [base, healed],
      getIncident: async () => detail,
    });
    render(api);
    expect(
      await screen.findByTestId('luffy-healing-summary'),
    ).toHaveTextContent('12m');
    expect(
      await screen.findByText('The container exceeds its 128Mi memory limit.'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/FATAL: JavaScript heap out of memory/),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Back-off restarting failed container/),
    ).toBeInTheDocument();
    expect(
      screen.getByText('apps/checkout/dev/deployment.yaml'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/#7 \(luffy\/heal-checkout-inc-1\)/),
    ).toBeInTheDocument();
    expect(screen.getByText(/pull request #7 opened/)).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Approve fix' }));
    await waitFor(() =>
      expect(api.calls.find(c => c.method === 'approveIncident')?.args).toEqual(
        ['inc-1'],
      ),
    );
  });

  it('disables Approve and Dismiss without luffy.incident.decide', async () => {
    render(
      fakeLuffyApi({ incidents: [base], getIncident: async () => detail }),
      AuthorizeResult.DENY,
    );
    // The reason shows once the permission answered; query the buttons after that.
    expect(
      await screen.findByText(/luffy.incident.decide/, undefined, {
        timeout: 20_000,
      }),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Approve fix' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Dismiss' })).toBeDisabled();
  });
});
