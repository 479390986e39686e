import { expect, test, type APIRequestContext } from '@playwright/test';
import { artifacts, signInAsGuest } from './helpers';

// Chapter 2 of the demo story: review and ship from the entity page. luffy-bot opens a GitOps
// pull request for checkout in dev while the tab is open; it appears without a reload (the
// sandbox's org webhook → POST /api/luffy/webhooks/github → GET /api/luffy/events); the user
// reads the diff, approves and merges it as alice (GitHub sign-in against the sandbox's OAuth
// app), and the deployment panel follows Argo CD until dev is Synced and Healthy.
const github = 'http://127.0.0.1:18083/api/v3';
const bot = { authorization: 'token sandbox-bot-token' };

async function gh(
  request: APIRequestContext,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  data?: unknown,
) {
  const res = await request.fetch(`${github}${path}`, {
    method,
    headers: bot,
    data,
  });
  expect(res.ok(), `${method} ${path}: ${res.status()}`).toBeTruthy();
  return res.json();
}

/** luffy-bot opens a GitOps PR adding a ConfigMap to apps/checkout/dev. */
async function openGitopsPullRequest(request: APIRequestContext, run: string) {
  const main = await gh(
    request,
    'GET',
    '/repos/acme/gitops/git/ref/heads/main',
  );
  const branch = `e2e/checkout-dev-${run}`;
  await gh(request, 'POST', '/repos/acme/gitops/git/refs', {
    ref: `refs/heads/${branch}`,
    sha: main.object.sha,
  });
  const manifest = `apiVersion: v1
kind: ConfigMap
metadata:
  name: checkout-e2e-${run}
  namespace: acme-dev
  labels:
    app.kubernetes.io/name: checkout
data:
  release-note: "e2e run ${run}"
`;
  await gh(
    request,
    'PUT',
    `/repos/acme/gitops/contents/apps/checkout/dev/e2e-${run}.yaml`,
    {
      message: `checkout (dev): release note ${run}`,
      content: Buffer.from(manifest).toString('base64'),
      branch,
    },
  );
  return gh(request, 'POST', '/repos/acme/gitops/pulls', {
    title: `checkout (dev): release note ${run}`,
    head: branch,
    base: 'main',
    body: 'Opened by the e2e test while the Pull requests tab is open.',
  });
}

test('review and ship a GitOps pull request from the entity page', async ({
  page,
  request,
}) => {
  test.setTimeout(300_000);
  const run = `${Date.now()}`;
  // The frontend may be served before the backend listens.
  await expect
    .poll(
      async () =>
        (
          await request
            .get('http://localhost:7007/api/luffy/health')
            .catch(() => undefined)
        )?.ok() ?? false,
      { timeout: 180_000 },
    )
    .toBe(true);
  await signInAsGuest(page);
  await page.goto('/catalog/default/component/checkout/pull-requests');
  const tab = page.getByTestId('luffy-pull-requests-content');
  await expect(tab).toBeVisible();
  await expect(
    tab
      .getByText('Open pull requests')
      .or(tab.getByText('No open pull requests')),
  ).toBeVisible();
  await page.screenshot({
    path: `${artifacts}/pull-requests-list.png`,
    fullPage: true,
  });

  // A PR opened while the tab is open appears without a reload, with its checks.
  const pr = await openGitopsPullRequest(request, run);
  const title = `checkout (dev): release note ${run}`;
  await expect(tab.getByText(title)).toBeVisible({ timeout: 60_000 });
  const row = page.getByRole('row').filter({ hasText: title });
  await expect(row.getByText('ci/build')).toBeVisible();
  // CI finishes on its own (simulated seconds); the row turns ready live.
  await expect(row.getByText('ready')).toBeVisible({ timeout: 90_000 });
  await page.screenshot({
    path: `${artifacts}/pull-requests-live-pr.png`,
    fullPage: true,
  });

  // Open the diff.
  await row.getByRole('button', { name: `Review #${pr.number}` }).click();
  const review = page.getByTestId('luffy-pull-request-review');
  await expect(review.getByTestId('luffy-diff-view')).toBeVisible();
  await expect(
    review.getByText(`apps/checkout/dev/e2e-${run}.yaml`),
  ).toBeVisible();
  await expect(review.getByText(`checkout-e2e-${run}`).first()).toBeVisible();
  await review.getByRole('button', { name: 'Split' }).click();
  await page.screenshot({
    path: `${artifacts}/pull-request-diff.png`,
    fullPage: true,
  });

  // Approve & Merge as the signed-in user's GitHub identity (the sandbox's OAuth user alice).
  await review.getByRole('button', { name: 'Approve & Merge' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByText('Squash and merge')).toBeVisible();
  await page.screenshot({
    path: `${artifacts}/pull-request-merge-dialog.png`,
    fullPage: true,
  });
  await dialog.getByRole('button', { name: 'Confirm merge' }).click();
  // Backstage asks to sign in to GitHub for the token; the sandbox approves at once.
  const login = page.getByRole('button', { name: /^log in$/i });
  const merged = page.getByTestId('luffy-merged-banner');
  await expect(login.or(merged)).toBeVisible();
  if (await login.isVisible()) {
    const popup = page.waitForEvent('popup');
    await login.click();
    await popup;
  }
  await expect(merged).toContainText(`acme/gitops#${pr.number} as alice`);

  // The sandbox says alice merged it.
  const after = await gh(
    request,
    'GET',
    `/repos/acme/gitops/pulls/${pr.number}`,
  );
  expect(after.merged).toBe(true);
  expect(after.merged_by.login).toBe('alice');

  // The deployment panel follows Argo CD until dev has rolled the merge out.
  const panel = page.getByTestId('luffy-deployment-panel');
  await expect(panel).toBeVisible();
  await expect(panel).toHaveAttribute('data-rolled-out', 'true', {
    timeout: 180_000,
  });
  await expect(panel.getByText('checkout-dev')).toBeVisible();
  await page.screenshot({
    path: `${artifacts}/pull-request-rolled-out.png`,
    fullPage: true,
  });
});

test('the /luffy page lists what waits and the services needing attention', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await signInAsGuest(page);
  await page.goto('/luffy');
  const filters = page.getByTestId('luffy-approval-filters');
  await expect(filters.getByLabel('Status')).toHaveValue('awaiting-approval');
  // The seed keeps pull requests open on checkout (source and GitOps).
  const services = page.getByTestId('luffy-services-attention');
  await expect(services.getByRole('link', { name: 'checkout' })).toBeVisible({
    timeout: 60_000,
  });
  const checkout = services.getByRole('row').filter({
    has: page.getByRole('link', { name: 'checkout', exact: true }),
  });
  await expect(checkout.getByRole('link', { name: /\d+ open/ })).toBeVisible();
  // The metrics section answers (charts, or the empty state on a fresh stack).
  await expect(page.getByTestId('luffy-metrics')).toContainText(
    /Heals per week|No incident in the last 12 weeks/,
    { timeout: 30_000 },
  );
  await page.screenshot({
    path: `${artifacts}/luffy-page.png`,
    fullPage: true,
  });

  // Filtering by another service leaves checkout out.
  await filters.getByLabel('Service').selectOption({ label: 'recommender' });
  await expect(services.getByRole('link', { name: 'checkout' })).toBeHidden();
  await page.screenshot({
    path: `${artifacts}/luffy-page-filtered.png`,
    fullPage: true,
  });
});
