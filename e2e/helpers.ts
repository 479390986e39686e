import { expect, type Page } from '@playwright/test';

/** Where tests write their screenshots (gitignored). */
export const artifacts = 'e2e/artifacts';

/** Signs in with the Guest card and waits until the app shell replaces the sign-in page. */
export async function signInAsGuest(page: Page) {
  await page.goto('/');
  const enter = page.getByRole('button', { name: /enter/i });
  await expect(enter).toBeVisible();
  await enter.click();
  await expect(enter).toBeHidden();
}
