import { expect, test } from '@playwright/test';
import { artifacts, signInAsGuest } from './helpers';

// Chapter 1 of the demo story: Create → New Customer. The customer name is unique per run (the
// dev stack's sandbox keeps its data), everything else is the form's defaults.
test('onboard a new customer from the Create wizard', async ({ page }) => {
  test.setTimeout(600_000);
  const customer = `e2e-${Date.now().toString(36)}`;
  await signInAsGuest(page);
  await page.goto('/create');
  await expect(page.getByText('New Customer').first()).toBeVisible();
  await page
    .getByRole('button', { name: /choose/i })
    .first()
    .click();

  // page 1: the owner first (the browser's own required-field check would stop Next before
  // the form's validation), then a refused name says why
  const owner = page.getByLabel(/Owner/).first();
  await owner.click();
  await owner.fill('platform-team');
  await page
    .getByRole('option', { name: /platform-team/ })
    .first()
    .click();
  await page.getByLabel(/Customer name/).fill('Bad_Name');
  await page.getByLabel(/Customer name/).press('Tab');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(
    page.getByText(/lower case letters, digits or "-"/).first(),
  ).toBeVisible();
  await page.screenshot({
    path: `${artifacts}/onboarding-1-form-refused.png`,
    fullPage: true,
  });
  await page.getByLabel(/Customer name/).fill(customer);
  await page.getByLabel(/Description/).fill('Globex-style demo customer');
  await page.screenshot({
    path: `${artifacts}/onboarding-2-form.png`,
    fullPage: true,
  });
  await page.getByRole('button', { name: 'Next' }).click();

  // page 2: environments and base hostname keep their defaults
  await expect(page.getByLabel(/Base hostname/)).toHaveValue(
    'apps.example.test',
  );
  await page.getByRole('button', { name: 'Next' }).click();

  // page 3: the registry token is a task secret
  await page.getByLabel(/Registry token/).fill('e2e-registry-token-not-logged');
  await page.getByRole('button', { name: /Review|Next/ }).click();
  await expect(page.getByText(customer).first()).toBeVisible();
  await page.getByRole('button', { name: 'Create' }).click();

  await expect(page.getByText(/Resolve configuration/).first()).toBeVisible();
  await page.screenshot({
    path: `${artifacts}/onboarding-3-running.png`,
    fullPage: true,
  });

  // the output: links and the per-environment status table
  await expect(
    page.getByRole('link', { name: /Open in catalog/i }),
  ).toBeVisible({ timeout: 360_000 });
  await expect(page.getByText(`${customer}-prod`).first()).toBeVisible();
  await expect(page.getByText('Healthy').first()).toBeVisible();
  await expect(page.getByText('e2e-registry-token-not-logged')).toHaveCount(0);
  await page.screenshot({
    path: `${artifacts}/onboarding-4-output.png`,
    fullPage: true,
  });

  // the registered entity: its Kubernetes and Argo CD tabs show the new pods and apps (the
  // catalog processes the new location within seconds)
  await expect(async () => {
    await page.goto(`/catalog/default/component/${customer}/kubernetes`);
    await expect(page.getByText(/^[1-9]\d* pods?$/).first()).toBeVisible({
      timeout: 5_000,
    });
  }).toPass({ timeout: 120_000 });
  await expect(page.getByText('No pods with errors')).toBeVisible();
  await page.screenshot({
    path: `${artifacts}/onboarding-5-kubernetes-tab.png`,
    fullPage: true,
  });
  await page.goto(`/catalog/default/component/${customer}/argocd`);
  for (const env of ['dev', 'preprod', 'prod']) {
    await expect(
      page.getByText(`${customer}-${env}`, { exact: true }).first(),
    ).toBeVisible({ timeout: 30_000 });
  }
  await expect(page.getByText('Healthy').first()).toBeVisible();
  await expect(page.getByText('SYNCED').first()).toBeVisible();
  await page.screenshot({
    path: `${artifacts}/onboarding-6-argocd-tab.png`,
    fullPage: true,
  });
});
