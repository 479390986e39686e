import { renderInTestApp } from '@backstage/frontend-test-utils';
import { screen, within } from '@testing-library/react';
import { luffyApiRef, type LuffyApi } from '../../api';
import { fakeLuffyApi, metricsFixture } from '../../testUtils/fakeLuffyApi';
import { MetricsCharts } from './MetricsCharts';

jest.setTimeout(30_000);
const found = { timeout: 10_000 };

const render = (api: LuffyApi, entityRefs?: string[]) =>
  renderInTestApp(<MetricsCharts entityRefs={entityRefs} />, {
    apis: [[luffyApiRef, api]],
  });

describe('MetricsCharts', () => {
  it('shows progress while the metrics load', async () => {
    await render(fakeLuffyApi({ getMetrics: () => new Promise(() => {}) }));
    expect(
      await screen.findByTestId('luffy-metrics-loading', {}, found),
    ).toBeInTheDocument();
    expect(
      screen.queryByTestId('luffy-metrics-charts'),
    ).not.toBeInTheDocument();
  });

  it('says so when no incident happened in the window', async () => {
    await render(fakeLuffyApi());
    expect(
      await screen.findByText('No incident in the last 3 weeks', {}, found),
    ).toBeInTheDocument();
    expect(
      screen.queryByTestId('luffy-metrics-charts'),
    ).not.toBeInTheDocument();
  });

  it('shows the backend error', async () => {
    await render(
      fakeLuffyApi({
        getMetrics: async () => {
          throw new Error('database unavailable');
        },
      }),
    );
    const panel = await screen.findByTestId('luffy-error-state', {}, found);
    expect(panel).toHaveTextContent(/database unavailable/);
  });

  it('charts heals per week, success per runbook, median time to heal and PR lead time', async () => {
    const api = fakeLuffyApi({ getMetrics: async () => metricsFixture() });
    await render(api, ['component:default/checkout']);
    const metrics = await screen.findByTestId(
      'luffy-metrics-charts',
      {},
      found,
    );
    for (const title of [
      'Heals per week',
      'Success rate per runbook',
      'Median time to heal',
      'Healing PR lead time',
      'Incidents over time',
    ]) {
      expect(within(metrics).getByText(title)).toBeInTheDocument();
    }
    expect(within(metrics).getByText('3 heals in 3 weeks')).toBeInTheDocument();
    expect(
      within(metrics).getByText('Median 21m over 3 heals'),
    ).toBeInTheDocument();
    expect(
      within(metrics).getByText('Median 8m over 2 merged healing PRs'),
    ).toBeInTheDocument();
    const rates = within(metrics).getByTestId('luffy-runbook-rates');
    expect(rates).toHaveTextContent(
      'raise-memory-limit: 67% (2 healed, 1 failed, 0 escalated)',
    );
    expect(rates).toHaveTextContent(
      'ImagePullBackOff (no runbook): 0% (0 healed, 0 failed, 1 escalated)',
    );
    expect(metrics.querySelectorAll('.recharts-wrapper')).toHaveLength(5);
    expect(api.calls.find(c => c.method === 'getMetrics')?.args[0]).toEqual({
      entityRefs: ['component:default/checkout'],
      weeks: 12,
    });
  });

  it('says when a duration has no sample yet', async () => {
    await render(
      fakeLuffyApi({
        getMetrics: async () => ({
          ...metricsFixture(),
          pullRequestLeadTime: { count: 0, perWeek: [] },
        }),
      }),
    );
    const metrics = await screen.findByTestId(
      'luffy-metrics-charts',
      {},
      found,
    );
    expect(
      within(metrics).getByText('No merged healing PR in 3 weeks'),
    ).toBeInTheDocument();
  });
});
