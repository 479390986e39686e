import { render, screen } from '@testing-library/react';
import App from './App';
import { configure } from './testConfig';

jest.setTimeout(180_000);

describe('App', () => {
  it('boots to the sign-in page with Guest and GitHub', async () => {
    configure();
    render(App.createRoot());

    // The sign-in module's page, with both providers: the app's extension tree resolved
    // (an app that failed to boot shows an error page or nothing instead).
    expect(
      await screen.findByText(
        'Sign in with your GitHub account',
        {},
        { timeout: 120_000 },
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('Guest')).toBeInTheDocument();
    expect(screen.getByText('OpenLuffy')).toBeInTheDocument();
  });
});
