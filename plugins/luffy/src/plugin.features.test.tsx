import { renderTestApp } from '@backstage/frontend-test-utils';
import { screen } from '@testing-library/react';
import { luffyApiRef } from './api';
import { fakeLuffyApi } from './testUtils/fakeLuffyApi';
import { luffyPlugin } from './plugin';

jest.setTimeout(30_000);

// The plugin as an app installs it (its own page and API extensions), not extensions
// imported one by one.

describe('luffy frontend plugin, installed as a feature', () => {
  it('serves the Pending approvals page at /luffy from the luffy API', async () => {
    const listIncidents = jest.fn(async () => ({ items: [], totalCount: 0 }));
    renderTestApp({
      features: [luffyPlugin],
      apis: [[luffyApiRef, fakeLuffyApi({ listIncidents })]],
      initialRouteEntries: ['/luffy'],
    });
    expect(
      await screen.findByText(
        'Nothing waits for approval',
        {},
        { timeout: 15_000 },
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('Awaiting approval')).toBeInTheDocument();
    expect(listIncidents).toHaveBeenCalledWith({
      status: ['awaiting-approval'],
    });
  });
});
