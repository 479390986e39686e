import { expect, test } from '@playwright/test';
import { artifacts, signInAsGuest } from './helpers';

test('guest sign-in shows the demo catalog', async ({ page }) => {
  await signInAsGuest(page);
  for (const title of ['Checkout API', 'Recommender', 'Inventory']) {
    await expect(
      page.getByRole('link', { name: title, exact: true }),
    ).toBeVisible();
  }
  await page.screenshot({ path: `${artifacts}/catalog.png`, fullPage: true });
});

test('a service page opens its Pull requests and Healing tabs', async ({
  page,
}) => {
  await signInAsGuest(page);
  await page.goto('/catalog/default/component/checkout');

  const tabs = page.getByRole('navigation', { name: 'Content navigation' });
  await tabs.getByRole('link', { name: 'Pull requests' }).click();
  await expect(page).toHaveURL(
    /\/catalog\/default\/component\/checkout\/pull-requests$/,
  );
  const prs = page.getByTestId('luffy-pull-requests-content');
  await expect(prs).toBeVisible();
  await expect(
    prs.getByText('acme/checkout', { exact: true }).first(),
  ).toBeVisible();
  await page.screenshot({
    path: `${artifacts}/pull-requests-tab.png`,
    fullPage: true,
  });

  await tabs.getByRole('link', { name: 'Healing' }).click();
  await expect(page).toHaveURL(
    /\/catalog\/default\/component\/checkout\/healing$/,
  );
  const healing = page.getByTestId('luffy-healing-content');
  await expect(healing).toBeVisible();
  // The incident list comes from the luffy backend: loaded, not an error (empty on a fresh
  // sandbox; the dev stack may hold incidents of earlier chaos).
  await expect(healing.getByText('mean time to heal')).toBeVisible();
  // Either the empty state or incident rows (never both: `.or` of two visible matches would be a
  // strict-mode error), and no error panel.
  await expect(
    healing
      .getByText('No incidents', { exact: true })
      .or(healing.locator('.MuiAccordion-root'))
      .first(),
  ).toBeVisible();
  await expect(healing.getByTestId('luffy-error-state')).toHaveCount(0);
  await page.screenshot({
    path: `${artifacts}/healing-tab.png`,
    fullPage: true,
  });
});

test('the Pending approvals page is at /luffy', async ({ page }) => {
  await signInAsGuest(page);
  await page.goto('/luffy');
  await expect(
    page.getByRole('heading', { name: 'Pending approvals' }).first(),
  ).toBeVisible();
  await expect(
    page
      .getByText('Nothing waits for approval')
      .or(page.getByRole('table'))
      .first(),
  ).toBeVisible();
  await page.screenshot({
    path: `${artifacts}/pending-approvals.png`,
    fullPage: true,
  });
});
