import { renderInTestApp } from '@backstage/frontend-test-utils';
import { catalogApiRef, entityRouteRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { screen } from '@testing-library/react';
import { ServicesWidget } from './ServicesWidget';

jest.setTimeout(30_000);

const component = (name: string, type: string, title?: string) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    title,
    annotations: { 'openluffy.io/autonomy': 'propose' },
  },
  spec: { type, owner: 'platform-team' },
});

describe('ServicesWidget', () => {
  it('lists the service components with links into their Pull requests and Healing tabs', async () => {
    await renderInTestApp(<ServicesWidget />, {
      apis: [
        [
          catalogApiRef,
          catalogApiMock({
            entities: [
              component('checkout', 'service', 'Checkout API'),
              component('docs-site', 'website', 'Docs'),
            ],
          }),
        ],
      ],
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
    });

    const checkout = await screen.findByRole('link', { name: 'Checkout API' });
    expect(checkout).toHaveAttribute(
      'href',
      '/catalog/default/component/checkout',
    );
    expect(screen.getByRole('link', { name: 'Pull requests' })).toHaveAttribute(
      'href',
      '/catalog/default/component/checkout/pull-requests',
    );
    expect(screen.getByRole('link', { name: 'Healing' })).toHaveAttribute(
      'href',
      '/catalog/default/component/checkout/healing',
    );
    expect(screen.getByText(/autonomy propose/)).toBeInTheDocument();
    expect(screen.queryByText('Docs')).not.toBeInTheDocument();
  });

  it('says what to do when there is no service', async () => {
    await renderInTestApp(<ServicesWidget />, {
      apis: [[catalogApiRef, catalogApiMock({ entities: [] })]],
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
    });
    expect(await screen.findByText('No services yet')).toBeInTheDocument();
  });
});
