import { expect, test, type APIRequestContext } from '@playwright/test';
import { artifacts, signInAsGuest } from './helpers';

// Day-2 operations from the entity page (issue 12): a rollout restart of checkout in dev from
// the deployment panel's Operations menu, watched live until new pods are ready; and a
// promotion of checkout from preprod to prod, which opens a GitOps pull request that the Pull
// requests tab then lists; a read-only investigation and its report; a CI run started from the
// menu, cancelled and re-run (failed jobs) from its progress view, followed to its new attempt.
// The sandbox's APIs are read directly to check what the UI shows.
const github = 'http://127.0.0.1:18083/api/v3';
const kubernetes = 'http://127.0.0.1:18081';

async function api(
  request: APIRequestContext,
  url: string,
  token: string,
  method: 'GET' | 'POST' | 'PUT' = 'GET',
  data?: unknown,
) {
  const res = await request.fetch(url, {
    method,
    headers: { authorization: token },
    data,
  });
  expect(res.ok(), `${method} ${url}: ${res.status()}`).toBeTruthy();
  return res.json();
}

async function podNames(request: APIRequestContext, namespace: string) {
  const list = await api(
    request,
    `${kubernetes}/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(
      'app.kubernetes.io/name=checkout',
    )}`,
    'Bearer sandbox-kube-token',
  );
  return (
    list.items as Array<{
      metadata: { name: string; deletionTimestamp?: string };
    }>
  )
    .filter(p => !p.metadata.deletionTimestamp)
    .map(p => p.metadata.name);
}

test.beforeEach(async ({ page }) => {
  await signInAsGuest(page);
});

test('restart checkout in dev from the entity page and watch new pods become ready', async ({
  page,
  request,
}) => {
  const before = await podNames(request, 'acme-dev');
  expect(before.length).toBeGreaterThan(0);

  await page.goto('/catalog/default/component/checkout/pull-requests');
  const panel = page.getByTestId('luffy-deployment-panel');
  await expect(panel).toBeVisible();
  const rollout = page.getByTestId('luffy-rollout-dev');
  await expect(rollout).toBeVisible();
  for (const name of before) {
    await expect(page.getByText(name, { exact: true })).toBeVisible();
  }

  await panel.getByRole('button', { name: 'Operations for dev' }).click();
  await page.getByRole('menuitem', { name: 'Restart' }).click();
  const dialog = page.getByRole('dialog');
  const preview = dialog.getByTestId('luffy-operation-preview');
  await expect(preview).toContainText(
    'PATCH /apis/apps/v1/namespaces/acme-dev/deployments/checkout',
  );
  await page.screenshot({
    path: `${artifacts}/operations-restart-dry-run.png`,
    fullPage: true,
  });
  await dialog.getByRole('button', { name: 'Run' }).click();
  await expect(page.getByText(/Restart in dev: succeeded/)).toBeVisible();

  // live: the pod rows follow the rollout until only new, ready pods are left
  await expect
    .poll(
      async () => {
        const now = await podNames(request, 'acme-dev');
        return now.length > 0 && now.every(n => !before.includes(n));
      },
      { timeout: 90_000 },
    )
    .toBe(true);
  await expect(rollout).toHaveAttribute('data-health', 'Healthy', {
    timeout: 90_000,
  });
  for (const name of before) {
    await expect(page.getByText(name, { exact: true })).toBeHidden({
      timeout: 60_000,
    });
  }
  const after = await podNames(request, 'acme-dev');
  for (const name of after) {
    const row = page.getByRole('row').filter({ hasText: name });
    await expect(row.getByText('Ready')).toBeVisible({ timeout: 60_000 });
    await expect(row.getByText('current')).toBeVisible();
  }
  await page.screenshot({
    path: `${artifacts}/operations-restart-new-pods-ready.png`,
    fullPage: true,
  });
});

test('promote checkout from preprod to prod and see the pull request', async ({
  page,
  request,
}) => {
  // preprod gets a new image tag (as a release would), so there is something to promote
  const tag = `1.4.${Date.now() % 100_000}`;
  const path = 'apps/checkout/preprod/deployment.yaml';
  const file = await api(
    request,
    `${github}/repos/acme/gitops/contents/${path}`,
    'token sandbox-bot-token',
  );
  const content = Buffer.from(file.content, 'base64')
    .toString('utf8')
    .replace(/(checkout:)[^\s"]+/, `$1${tag}`);
  await api(
    request,
    `${github}/repos/acme/gitops/contents/${path}`,
    'token sandbox-bot-token',
    'PUT',
    {
      message: `checkout preprod: ${tag}`,
      content: Buffer.from(content).toString('base64'),
      sha: file.sha,
    },
  );

  await page.goto('/catalog/default/component/checkout/pull-requests');
  const panel = page.getByTestId('luffy-deployment-panel');
  await expect(panel).toBeVisible();
  await panel.getByRole('button', { name: 'Operations for preprod' }).click();
  await page
    .getByRole('menuitem', { name: 'Promote to next environment' })
    .click();
  const dialog = page.getByRole('dialog');
  const preview = dialog.getByTestId('luffy-operation-preview');
  await expect(preview).toContainText(`checkout:${tag}`, { timeout: 60_000 });
  await expect(preview).toContainText('Destructive');
  await page.screenshot({
    path: `${artifacts}/operations-promote-dry-run.png`,
    fullPage: true,
  });
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await expect(
    page.getByText(
      /Promote to next environment in preprod: pull request opened/,
    ),
  ).toBeVisible();

  const title = `Promote checkout ${tag} from preprod to prod`;
  const pulls = (await api(
    request,
    `${github}/repos/acme/gitops/pulls?state=open&per_page=100`,
    'token sandbox-bot-token',
  )) as Array<{ title: string; html_url: string }>;
  expect(pulls.map(p => p.title)).toContain(title);
  // the Pull requests tab lists it (live, through the webhook → events stream, or on reload)
  const tab = page.getByTestId('luffy-pull-requests-content');
  await expect(tab.getByText(title)).toBeVisible({ timeout: 60_000 });
  await page.screenshot({
    path: `${artifacts}/operations-promote-pull-request.png`,
    fullPage: true,
  });
});

test('investigate checkout in dev from the Operations menu and read the report', async ({
  page,
}) => {
  await page.goto('/catalog/default/component/checkout/pull-requests');
  const panel = page.getByTestId('luffy-deployment-panel');
  await expect(panel).toBeVisible();
  await panel.getByRole('button', { name: 'Operations for dev' }).click();
  await page.getByRole('menuitem', { name: 'Investigate…' }).click();
  const dialog = page.getByRole('dialog');
  // read-only: no dry run, the question is asked as written
  await expect(dialog.getByRole('textbox', { name: 'Question' })).toHaveValue(
    'Is checkout healthy in dev, and if not, why?',
  );
  await expect(dialog.getByTestId('luffy-operation-preview')).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Investigate' }).click();
  const report = dialog.getByTestId('luffy-investigation-report');
  await expect(report).toBeVisible({ timeout: 60_000 });
  await expect(report.getByText('Summary')).toBeVisible();
  const steps = report.getByRole('region', { name: 'Steps taken' });
  await expect(steps.getByRole('listitem').first()).toBeVisible();
  await expect(report).toContainText('investigator');
  await page.screenshot({
    path: `${artifacts}/operations-investigate-report.png`,
    fullPage: true,
  });
});

test('run CI for checkout, cancel the run, then re-run its failed jobs and follow the new attempt', async ({
  page,
}) => {
  await page.goto('/catalog/default/component/checkout/pull-requests');
  const panel = page.getByTestId('luffy-deployment-panel');
  await expect(panel).toBeVisible();
  await panel.getByRole('button', { name: 'Operations for dev' }).click();
  await page.getByRole('menuitem', { name: 'Run workflow…' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('luffy-operation-preview')).toContainText(
    'Dispatch CI',
  );
  await dialog.getByRole('button', { name: 'Run' }).click();
  const run = dialog.getByTestId('luffy-workflow-run');
  await expect(run).toHaveAttribute('data-status', /queued|in_progress/);

  // Cancel while it runs: the dry run first (the exact request), then the cancel itself
  await run.getByRole('button', { name: 'Cancel run' }).click();
  await expect(run.getByTestId('luffy-operation-preview')).toContainText(
    /POST \/repos\/acme\/checkout\/actions\/runs\/\d+\/cancel/,
  );
  await run.getByRole('button', { name: 'Cancel run' }).click();
  await expect(
    page.getByText(/Cancel run — run #\d+: succeeded/),
  ).toBeVisible();
  await expect(run).toHaveAttribute('data-status', 'completed');
  await expect(run.getByText('cancelled').first()).toBeVisible();

  // Re-run the failed (cancelled) jobs: a new attempt, followed until it completes
  await run.getByRole('button', { name: 'Re-run failed jobs' }).click();
  await expect(run.getByTestId('luffy-operation-preview')).toContainText(
    /POST \/repos\/acme\/checkout\/actions\/runs\/\d+\/rerun-failed-jobs/,
  );
  await page.screenshot({
    path: `${artifacts}/operations-workflow-rerun-dry-run.png`,
    fullPage: true,
  });
  await run.getByRole('button', { name: 'Re-run failed jobs' }).click();
  await expect(run).toHaveAttribute('data-attempt', '2');
  await expect(run).toContainText('attempt 2');
  await expect(run).toHaveAttribute('data-status', 'completed', {
    timeout: 60_000,
  });
  await expect(run.getByText('success').first()).toBeVisible();
  await page.screenshot({
    path: `${artifacts}/operations-workflow-rerun-completed.png`,
    fullPage: true,
  });
});
