import { githubAuthApiRef } from '@backstage/frontend-plugin-api';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ResponseError } from '@backstage/errors';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { SWRConfig } from 'swr';
import type { Entity } from '@backstage/catalog-model';
import { luffyApiRef, type LuffyApi } from '../../api';
import {
  fakeLuffyApi,
  prFixture,
  type FakeLuffyApi,
} from '../../testUtils/fakeLuffyApi';
import { PullRequestsContent } from './PullRequestsContent';

const service: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'checkout',
    namespace: 'default',
    annotations: {
      'github.com/project-slug': 'acme/checkout',
      'openluffy.io/gitops-path': 'apps/checkout/{env}',
      'argocd/app-selector': 'backstage-name=checkout',
    },
  },
  spec: { type: 'service', owner: 'platform-team' },
};

async function backendError(
  status: number,
  error: Record<string, unknown>,
): Promise<ResponseError> {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error,
        request: { method: 'GET', url: '/api/luffy/...' },
        response: { statusCode: status },
      }),
      { status, headers: { 'content-type': 'application/json' } },
    ) as any,
  );
}

function render(
  api: FakeLuffyApi | LuffyApi,
  options: {
    entity?: Entity;
    permission?: AuthorizeResult.ALLOW | AuthorizeResult.DENY;
  } = {},
) {
  const githubAuth = { getAccessToken: jest.fn(async () => 'gho_user_token') };
  const result = renderInTestApp(
    // usePermission caches answers in SWR's global cache: a fresh cache per test keeps
    // one test's ALLOW from answering the next test's DENY.
    <SWRConfig value={{ provider: () => new Map() }}>
      <EntityProvider entity={options.entity ?? service}>
        <PullRequestsContent />
      </EntityProvider>
    </SWRConfig>,
    {
      apis: [
        [luffyApiRef, api],
        [
          permissionApiRef,
          mockApis.permission({
            authorize: options.permission ?? AuthorizeResult.ALLOW,
          }),
        ],
        [githubAuthApiRef, githubAuth as any],
      ],
    },
  );
  return { ...result, githubAuth };
}

// material-table renders slowly in jsdom on a shared 2-core machine.
jest.setTimeout(60_000);

describe('PullRequestsContent', () => {
  it('shows progress while loading', async () => {
    const api = fakeLuffyApi({ listPullRequests: () => new Promise(() => {}) });
    render(api);
    // Progress swaps its placeholder for the bar after a delay: query and assert at once.
    await waitFor(() =>
      expect(screen.getByTestId('progress')).toBeInTheDocument(),
    );
  });

  it('lists the open pull requests with their checks, reviews and repositories', async () => {
    const api = fakeLuffyApi({
      pullRequests: [
        prFixture(),
        prFixture({
          number: 3,
          repo: 'acme/gitops',
          role: 'gitops',
          title: 'checkout (dev): add one replica',
          author: { login: 'luffy-bot' },
          environments: ['dev'],
          healing: true,
          checks: {
            state: 'failure',
            items: [{ name: 'ci/test', state: 'failure', kind: 'check-run' }],
          },
          blockers: ['Checks failed: ci/test.'],
        }),
      ],
    });
    render(api);
    expect(
      await screen.findByText(/Bump express from 4.18.2 to 4.19.2/),
    ).toBeInTheDocument();
    expect(screen.getByText(/add one replica/)).toBeInTheDocument();
    expect(screen.getByText('GitOps acme/gitops')).toBeInTheDocument();
    expect(screen.getByText('healing')).toBeInTheDocument();
    expect(screen.getByText('ci/build')).toBeInTheDocument();
    expect(screen.getAllByText('failed').length).toBeGreaterThan(0);
    expect(screen.getByText('blocked')).toBeInTheDocument();
    expect(api.calls.find(c => c.method === 'listPullRequests')).toEqual({
      method: 'listPullRequests',
      args: [{ namespace: 'default', kind: 'Component', name: 'checkout' }],
    });
  });

  it('shows the empty state with the watched repositories', async () => {
    render(fakeLuffyApi({ pullRequests: [] }));
    expect(
      await screen.findByText('No open pull requests'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Nothing waits in acme\/checkout/),
    ).toBeInTheDocument();
  });

  it('names the annotation to add when the entity has no project slug', async () => {
    const api = fakeLuffyApi();
    render(api, {
      entity: { ...service, metadata: { name: 'bare', annotations: {} } },
    });
    expect(
      await screen.findByText(/github.com\/project-slug/),
    ).toBeInTheDocument();
    expect(api.calls.filter(c => c.method === 'listPullRequests')).toEqual([]);
  });

  it('says when GitHub refuses access', async () => {
    const error = await backendError(403, {
      name: 'NotAllowedError',
      message: 'No access to acme/checkout on GitHub',
    });
    render(
      fakeLuffyApi({ listPullRequests: async () => Promise.reject(error) }),
    );
    expect(await screen.findByText('No access')).toBeInTheDocument();
  });

  it('says when GitHub is down', async () => {
    const error = await backendError(503, {
      name: 'ServiceUnavailableError',
      message: 'GitHub answered 502',
    });
    render(
      fakeLuffyApi({ listPullRequests: async () => Promise.reject(error) }),
    );
    expect(
      await screen.findByText(/GitHub is unavailable/),
    ).toBeInTheDocument();
  });

  it('says when GitHub rate-limits, with the reset time', async () => {
    const error = await backendError(429, {
      name: 'GithubRateLimitedError',
      message: 'rate limit exceeded',
      resetAt: '2026-12-04T19:30:00.000Z',
    });
    render(
      fakeLuffyApi({ listPullRequests: async () => Promise.reject(error) }),
    );
    expect(
      await screen.findByText(/GitHub rate limit reached/),
    ).toBeInTheDocument();
    expect(screen.getByTestId('luffy-rate-limit-reset')).toHaveTextContent(
      'Resets at 2026-12-04T19:30:00.000Z',
    );
  });

  it('opens the diff and merges the reviewed head with the user GitHub token', async () => {
    const api = fakeLuffyApi({ pullRequests: [prFixture()] });
    const { githubAuth } = render(api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Review #1' }),
    );
    const review = await screen.findByTestId('luffy-pull-request-review');
    expect(
      await within(review).findByTestId('luffy-diff-view'),
    ).toBeInTheDocument();
    expect(within(review).getByText('package.json')).toBeInTheDocument();
    // The file is open by default: its changed lines are rendered.
    expect(
      within(within(review).getByTestId('luffy-diff-view')).getAllByText(
        /4\.19\.2/,
      ).length,
    ).toBeGreaterThan(0);
    await userEvent.click(
      await within(review).findByRole('button', { name: 'Approve & Merge' }),
    );
    await userEvent.click(
      await screen.findByRole('radio', { name: /Create a merge commit/ }),
    );
    await userEvent.click(
      screen.getByRole('button', { name: 'Confirm merge' }),
    );
    expect(await screen.findByTestId('luffy-merged-banner')).toHaveTextContent(
      'Merged acme/checkout#1 as alice',
    );
    expect(githubAuth.getAccessToken).toHaveBeenCalledWith(['repo']);
    expect(api.calls.find(c => c.method === 'mergePullRequest')?.args).toEqual([
      { namespace: 'default', kind: 'Component', name: 'checkout' },
      'acme/checkout',
      1,
      { method: 'merge', sha: 'a'.repeat(40), githubToken: 'gho_user_token' },
    ]);
  });

  it('offers only the merge methods the repository allows', async () => {
    render(
      fakeLuffyApi({
        pullRequests: [prFixture({ allowedMergeMethods: ['squash'] })],
      }),
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Review #1' }),
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Approve & Merge' }),
    );
    expect(await screen.findAllByRole('radio')).toHaveLength(1);
  });

  it('shows why GitHub refused a merge whose branch moved', async () => {
    const error = await backendError(409, {
      name: 'ConflictError',
      message:
        'The branch moved since you reviewed it: acme/checkout#1 is now at bbbbbbb',
    });
    const api = fakeLuffyApi({
      pullRequests: [prFixture()],
      mergePullRequest: async () => Promise.reject(error),
    });
    render(api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Review #1' }),
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Approve & Merge' }),
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Confirm merge' }),
    );
    expect(await screen.findByTestId('luffy-merge-error')).toHaveTextContent(
      'The branch moved since you reviewed it',
    );
    expect(screen.queryByTestId('luffy-merged-banner')).not.toBeInTheDocument();
  });

  it('disables Approve & Merge without the permission', async () => {
    const api = fakeLuffyApi({ pullRequests: [prFixture()] });
    render(api, { permission: AuthorizeResult.DENY });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Review #1' }),
    );
    await waitFor(() =>
      expect(
        screen.getByTestId('luffy-merge-blocked-reason'),
      ).toHaveTextContent('luffy.pullRequest.merge'),
    );
    // Query the button after the permission answered: the one rendered while the
    // permission was loading is replaced (it moves in and out of its tooltip).
    expect(
      screen.getByRole('button', { name: 'Approve & Merge' }),
    ).toBeDisabled();
  });

  it('disables Approve & Merge with the reason when checks fail', async () => {
    render(
      fakeLuffyApi({
        pullRequests: [prFixture({ blockers: ['Checks failed: ci/test.'] })],
      }),
    );
    await userEvent.click(
      await screen.findByRole('button', { name: 'Review #1' }),
    );
    expect(
      await screen.findByRole('button', { name: 'Approve & Merge' }),
    ).toBeDisabled();
    expect(
      await screen.findByTestId('luffy-merge-blocked-reason'),
    ).toHaveTextContent('Checks failed: ci/test.');
  });

  it('reloads when the event stream reports a change', async () => {
    let prs = [prFixture()];
    const api = fakeLuffyApi({
      listPullRequests: async () => ({
        items: prs,
        repos: [],
        fetchedAt: new Date().toISOString(),
      }),
    });
    render(api);
    expect(await screen.findByText(/Bump express/)).toBeInTheDocument();
    prs = [...prs, prFixture({ number: 9, title: 'Opened meanwhile' })];
    act(() =>
      api.emit({
        id: '1',
        type: 'pullRequest.changed',
        entityRef: 'component:default/checkout',
        payload: {
          repo: 'acme/checkout',
          number: 9,
          githubEvent: 'pull_request',
        },
        createdAt: new Date().toISOString(),
      }),
    );
    expect(await screen.findByText(/Opened meanwhile/)).toBeInTheDocument();
  });
});
