import { expect, test } from '@playwright/test';
import { artifacts, signInAsGuest } from './helpers';

// The demo services' ecosystem tabs, fed by the sandbox's simulated cluster and Argo CD
// through Backstage's Kubernetes backend and Roadie's Argo CD backend (unchanged, only other
// URLs in app-config.yaml).
const control = 'http://127.0.0.1:18081/_sandbox';

test('the Kubernetes and Argo CD tabs show a demo service', async ({
  page,
}) => {
  await signInAsGuest(page);

  await page.goto('/catalog/default/component/checkout/kubernetes');
  await expect(
    page.getByText('sandbox', { exact: true }).first(),
  ).toBeVisible();
  await expect(page.getByText(/^[1-9]\d* pods?$/).first()).toBeVisible();
  await expect(page.getByText('No pods with errors')).toBeVisible();
  await page.screenshot({
    path: `${artifacts}/kubernetes-tab.png`,
    fullPage: true,
  });

  await page.goto('/catalog/default/component/checkout/argocd');
  for (const app of ['checkout-dev', 'checkout-preprod', 'checkout-prod']) {
    await expect(page.getByText(app, { exact: true }).first()).toBeVisible();
  }
  await expect(page.getByText('Healthy').first()).toBeVisible();
  await expect(page.getByText('SYNCED').first()).toBeVisible();
  await page.screenshot({
    path: `${artifacts}/argocd-tab.png`,
    fullPage: true,
  });
});

test('a chaos switch turns a service red within seconds', async ({
  page,
  request,
}) => {
  await signInAsGuest(page);
  const chaos = await request.post(`${control}/chaos`, {
    data: { service: 'recommender', env: 'dev', mode: 'crash' },
  });
  expect(chaos.ok()).toBeTruthy();
  try {
    // Kubernetes tab: the crashing pods are counted as pods with errors.
    await expect(async () => {
      await page.goto('/catalog/default/component/recommender/kubernetes');
      await expect(page.getByText(/^[1-9]\d* pods? with errors$/)).toBeVisible({
        timeout: 5_000,
      });
    }).toPass({ timeout: 90_000 });
    await page.screenshot({
      path: `${artifacts}/chaos-kubernetes-errors.png`,
      fullPage: true,
    });
    // Argo CD tab: like Argo CD, a crash loop without a stalled rollout makes the dev
    // application Progressing (Degraded only once the progress deadline is exceeded).
    await expect(async () => {
      await page.goto('/catalog/default/component/recommender/argocd');
      await expect(page.getByText('Progressing').first()).toBeVisible({
        timeout: 5_000,
      });
    }).toPass({ timeout: 90_000 });
    await page.screenshot({
      path: `${artifacts}/chaos-argocd-progressing.png`,
      fullPage: true,
    });
  } finally {
    await request.post(`${control}/chaos`, {
      data: { service: 'recommender', env: 'dev', mode: 'none' },
    });
  }
});

test("GitHub sign-in runs against the sandbox's OAuth app", async ({
  page,
}) => {
  await page.goto('/');
  const popup = page.waitForEvent('popup');
  await page
    .getByText('Sign in with your GitHub account')
    .locator('xpath=ancestor::li[1]')
    .getByRole('button', { name: /sign in/i })
    .click();
  await popup;
  // The sandbox signs in as its default OAuth user, alice = user:default/alice.
  await page.goto('/settings');
  await expect(page.getByText('Alice Martin').first()).toBeVisible();
  await page.screenshot({
    path: `${artifacts}/github-sign-in.png`,
    fullPage: true,
  });
});
