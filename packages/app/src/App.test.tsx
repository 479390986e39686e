import { render, screen } from '@testing-library/react';
import App from './App';

jest.setTimeout(60_000);

describe('App', () => {
  it('boots to the sign-in page with Guest and GitHub', async () => {
    process.env = {
      NODE_ENV: 'test',
      APP_CONFIG: [
        {
          data: {
            app: { title: 'OpenLuffy' },
            backend: { baseUrl: 'http://localhost:7007' },
            techdocs: {
              storageUrl: 'http://localhost:7007/api/techdocs/static/docs',
            },
          },
          context: 'test',
        },
      ] as any,
    };

    render(App.createRoot());

    // The sign-in module's page, with both providers: the app's extension tree resolved
    // (an app that failed to boot shows an error page or nothing instead).
    expect(
      await screen.findByText(
        'Sign in with your GitHub account',
        {},
        { timeout: 30_000 },
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('Guest')).toBeInTheDocument();
    expect(screen.getByText('OpenLuffy')).toBeInTheDocument();
  });
});
