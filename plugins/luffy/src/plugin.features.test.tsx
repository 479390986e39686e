import { renderTestApp } from '@backstage/frontend-test-utils';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
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
      apis: [
        [luffyApiRef, fakeLuffyApi({ listIncidents })],
        [catalogApiRef, catalogApiMock({ entities: [] })],
      ],
      initialRouteEntries: ['/luffy'],
    });
    expect(
      await screen.findByText(
        'Nothing waits for approval',
        {},
        { timeout: 15_000 },
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('Waiting for a human')).toBeInTheDocument();
    expect(screen.getByLabelText('Status')).toHaveValue('awaiting-approval');
    expect(listIncidents).toHaveBeenCalledWith({ limit: 500 });
  });
});
