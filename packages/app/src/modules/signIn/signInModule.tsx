import {
  configApiRef,
  createFrontendModule,
  useApi,
} from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';
import { SignInPage } from '@backstage/core-components';
import {
  githubAuthApiRef,
  type SignInPageProps,
} from '@backstage/core-plugin-api';

const github = {
  id: 'github-auth-provider',
  title: 'GitHub',
  message: 'Sign in with your GitHub account',
  apiRef: githubAuthApiRef,
};

/** Guest only outside production (`auth.environment: production` has GitHub only). */
function OpenLuffySignInPage(props: SignInPageProps) {
  const config = useApi(configApiRef);
  const production =
    config.getOptionalString('auth.environment') === 'production';
  return (
    <SignInPage
      {...props}
      providers={production ? [github] : ['guest', github]}
    />
  );
}

/**
 * Sign-in page with Guest (embedded default, never in production) and GitHub. With the
 * sandbox, GitHub sign-in runs against its OAuth app (auth.providers.github in app-config.yaml); in production against
 * github.com, so approvals and merges carry the user's own GitHub identity.
 */
export const signInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [
    SignInPageBlueprint.make({
      params: {
        loader: async () => props => <OpenLuffySignInPage {...props} />,
      },
    }),
  ],
});
