import { render, screen } from '@testing-library/react';
import { configure } from './testConfig';

jest.setTimeout(180_000);

describe('App in production', () => {
  it('offers no guest sign-in in production', async () => {
    configure({ auth: { environment: 'production' } });
    const { default: App } = await import('./App');
    render(App.createRoot());
    expect(
      await screen.findByText(
        'Sign in with your GitHub account',
        {},
        { timeout: 120_000 },
      ),
    ).toBeInTheDocument();
    expect(screen.queryByText('Guest')).not.toBeInTheDocument();
  });
});
