import {
  alertApiRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { OperationsMenu } from './OperationsMenu';

jest.setTimeout(60_000);

const entity = { namespace: 'default', kind: 'Component', name: 'checkout' };

const report = {
  entityRef: 'component:default/checkout',
  question: 'Why is checkout slow in prod?',
  environment: 'prod',
  investigator: 'rules',
  summary: 'checkout in prod is crash-looping since image 1.5.0',
  likelyCause: 'The new image fails its readiness probe',
  confidence: 0.8,
  findings: ['Pod checkout-a-1 restarted 12 times'],
  evidence: ['Readiness probe failed: HTTP probe failed with statuscode: 503'],
  suggestions: ['Roll back to 1.4.2'],
  steps: [
    {
      tool: 'workloads',
      input: { environment: 'prod' },
      ok: true,
      output: 'checkout 1/2 ready',
      durationMs: 12,
    },
    {
      tool: 'argocd_diff',
      input: {},
      ok: false,
      output: 'Argo CD unreachable',
      durationMs: 30,
    },
  ],
  stoppedBy: 'answer',
  durationMs: 57,
};

/** A backend whose answer is held until `release` is called (to see the progress). */
function setup(response: { status: number; body: unknown }) {
  const calls: Array<{ url: string; body: any }> = [];
  let release: () => void = () => {};
  const held = new Promise<void>(resolve => {
    release = resolve;
  });
  const fetchApi = {
    fetch: jest.fn(async (url: string, init?: RequestInit) => {
      calls.push({
        url,
        body: init?.body ? JSON.parse(String(init.body)) : undefined,
      });
      await held;
      return new Response(JSON.stringify(response.body), {
        status: response.status,
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
  return { calls, alertApi, apis, release: () => release() };
}

async function openInvestigate() {
  await userEvent.click(
    screen.getByRole('button', { name: 'Operations for prod' }),
  );
  await userEvent.click(
    await screen.findByRole('menuitem', { name: 'Investigate…' }),
  );
  return screen.findByRole('dialog');
}

describe('OperationsMenu: Investigate', () => {
  it('runs the read-only investigation without a dry run and shows its report', async () => {
    const { calls, alertApi, apis, release } = setup({
      status: 200,
      body: {
        operation: 'investigate',
        entityRef: 'component:default/checkout',
        status: 'succeeded',
        path: 'kubernetes',
        durationMs: 57,
        changes: [],
        requests: [],
        details: { report },
      },
    });
    await renderInTestApp(
      <OperationsMenu entity={entity} environment="prod" />,
      { apis },
    );
    const dialog = await openInvestigate();
    // nothing is sent before asking: no dry run, no confirmation for a read-only operation
    expect(calls).toHaveLength(0);
    const question = within(dialog).getByRole('textbox', { name: 'Question' });
    expect(question).toHaveValue(
      'Is checkout healthy in prod, and if not, why?',
    );
    await userEvent.clear(question);
    await userEvent.type(question, 'Why is checkout slow in prod?');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Investigate' }),
    );
    // a progress indicator while it runs
    expect(
      await within(dialog).findByRole('progressbar', {
        name: 'Investigate in progress',
      }),
    ).toBeInTheDocument();
    expect(calls).toEqual([
      {
        url: 'http://backend/api/luffy/entity/default/Component/checkout/operations/investigate',
        body: {
          question: 'Why is checkout slow in prod?',
          environment: 'prod',
        },
      },
    ]);
    release();

    const shown = await within(dialog).findByTestId(
      'luffy-investigation-report',
    );
    expect(
      within(dialog).queryByRole('progressbar', {
        name: 'Investigate in progress',
      }),
    ).not.toBeInTheDocument();
    expect(shown).toHaveTextContent(
      'checkout in prod is crash-looping since image 1.5.0',
    );
    expect(shown).toHaveTextContent(
      'Likely cause: The new image fails its readiness probe (confidence 80%)',
    );
    expect(
      within(screen.getByRole('region', { name: 'Findings' })).getByText(
        'Pod checkout-a-1 restarted 12 times',
      ),
    ).toBeInTheDocument();
    expect(
      within(screen.getByRole('region', { name: 'Evidence' })).getByText(
        /Readiness probe failed/,
      ),
    ).toBeInTheDocument();
    expect(
      within(screen.getByRole('region', { name: 'Suggestions' })).getByText(
        'Roll back to 1.4.2',
      ),
    ).toBeInTheDocument();
    const steps = within(
      screen.getByRole('region', { name: 'Steps taken' }),
    ).getAllByRole('listitem');
    expect(steps).toHaveLength(2);
    expect(steps[0]).toHaveTextContent(
      'workloads {"environment":"prod"} — ok, 12 ms',
    );
    expect(steps[1]).toHaveTextContent('argocd_diff — failed, 30 ms');
    expect(steps[1]).toHaveTextContent('Argo CD unreachable');
    expect(shown).toHaveTextContent('rules investigator, answered, 57 ms');
    // the report is the answer: no alert, and the dialog can be closed
    expect(alertApi.getAlerts()).toHaveLength(0);
    expect(
      within(dialog).getByRole('button', { name: 'Close' }),
    ).toBeInTheDocument();
    expect(calls).toHaveLength(1);
  });

  it('shows a failure as a Backstage alert', async () => {
    const { alertApi, apis, release } = setup({
      status: 503,
      body: {
        error: {
          name: 'ServiceUnavailableError',
          message: 'Kubernetes cluster sandbox is unreachable',
        },
        request: { method: 'POST', url: '/' },
        response: { statusCode: 503 },
      },
    });
    release();
    await renderInTestApp(
      <OperationsMenu entity={entity} environment="prod" />,
      { apis },
    );
    const dialog = await openInvestigate();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Investigate' }),
    );
    await waitFor(() => expect(alertApi.getAlerts()).toHaveLength(1));
    expect(alertApi.getAlerts()[0]).toMatchObject({
      severity: 'error',
      message:
        'Investigate in prod failed: Kubernetes cluster sandbox is unreachable',
    });
    expect(within(dialog).getByRole('alert')).toHaveTextContent(
      'Kubernetes cluster sandbox is unreachable',
    );
    expect(
      within(dialog).queryByTestId('luffy-investigation-report'),
    ).not.toBeInTheDocument();
  });
});
