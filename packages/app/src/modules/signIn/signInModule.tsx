import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';
import { SignInPage } from '@backstage/core-components';
import { githubAuthApiRef } from '@backstage/core-plugin-api';

/**
 * Sign-in page with Guest (embedded default) and GitHub. With the sandbox, GitHub sign-in runs
 * against its OAuth app (auth.providers.github in app-config.yaml); in production against
 * github.com, so approvals and merges carry the user's own GitHub identity.
 */
export const signInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [
    SignInPageBlueprint.make({
      params: {
        loader: async () => props =>
          (
            <SignInPage
              {...props}
              providers={[
                'guest',
                {
                  id: 'github-auth-provider',
                  title: 'GitHub',
                  message: 'Sign in with your GitHub account',
                  apiRef: githubAuthApiRef,
                },
              ]}
            />
          ),
      },
    }),
  ],
});
