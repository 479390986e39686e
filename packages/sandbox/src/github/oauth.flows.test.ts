import { Octokit } from '@octokit/rest';
import { quiet, type GithubTestEnv, withGithubContract } from './__testUtils__';

jest.setTimeout(60_000);

let env: GithubTestEnv;

withGithubContract(
  c => {
    ({ env } = c);
  },
  { timeScale: 100 },
);

describe('OAuth app flow', () => {
  it('authorizes, exchanges the code (form or JSON) and serves /user for the issued token', async () => {
    const redirect = 'http://localhost:7007/api/auth/github/handler/frame';
    const auth = await fetch(
      `${
        env.url
      }/login/oauth/authorize?response_type=code&client_id=sandbox-client-id&redirect_uri=${encodeURIComponent(
        redirect,
      )}&scope=read%3Auser&state=abc`,
      { redirect: 'manual' },
    );
    expect(auth.status).toBe(302);
    const loc = new URL(auth.headers.get('location')!);
    expect(`${loc.origin}${loc.pathname}`).toBe(redirect);
    expect(loc.searchParams.get('state')).toBe('abc');
    const code = loc.searchParams.get('code')!;
    // passport-github: form body, no Accept header → GitHub answers form-encoded
    const tok = await fetch(`${env.url}/login/oauth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        redirect_uri: redirect,
        client_id: 'sandbox-client-id',
        client_secret: 'sandbox-client-secret',
        code,
      }).toString(),
    });
    const form = new URLSearchParams(await tok.text());
    expect(form.get('token_type')).toBe('bearer');
    const token = form.get('access_token')!;
    expect(token).toMatch(/^gho_/);
    const me = await new Octokit({
      log: quiet,
      auth: token,
      baseUrl: `${env.url}/api/v3`,
    }).rest.users.getAuthenticated();
    expect(me.data.login).toBe('alice');
    // a code is single-use
    const again = await fetch(`${env.url}/login/oauth/access_token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({
        client_id: 'sandbox-client-id',
        client_secret: 'sandbox-client-secret',
        code,
      }),
    });
    expect(await again.json()).toMatchObject({
      error: 'bad_verification_code',
    });
    // ?login= and the control API choose who signs in
    const res = await fetch(`${env.url}/_sandbox/github/oauth-user`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'guest' }),
    });
    expect(res.status).toBe(200);
    const auth2 = await fetch(
      `${
        env.url
      }/login/oauth/authorize?client_id=sandbox-client-id&redirect_uri=${encodeURIComponent(
        redirect,
      )}`,
      { redirect: 'manual' },
    );
    const code2 = new URL(auth2.headers.get('location')!).searchParams.get(
      'code',
    )!;
    const tok2 = await fetch(`${env.url}/login/oauth/access_token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({
        client_id: 'sandbox-client-id',
        client_secret: 'sandbox-client-secret',
        code: code2,
      }),
    });
    const json = await tok2.json();
    const who = await fetch(`${env.url}/api/v3/user`, {
      headers: { authorization: `Bearer ${json.access_token}` },
    });
    expect((await who.json()).login).toBe('guest');
    const wrongClient = await fetch(
      `${
        env.url
      }/login/oauth/authorize?client_id=other&redirect_uri=${encodeURIComponent(
        redirect,
      )}`,
      { redirect: 'manual' },
    );
    expect(wrongClient.status).toBe(404);
  });
  it("works with passport-github2, the strategy behind Backstage's GitHub provider", async () => {
    const { Strategy } = require('passport-github2');
    const redirect = 'http://localhost:7007/api/auth/github/handler/frame';
    const strategy = new Strategy(
      {
        clientID: 'sandbox-client-id',
        clientSecret: 'sandbox-client-secret',
        callbackURL: redirect,
        authorizationURL: `${env.url}/login/oauth/authorize`,
        tokenURL: `${env.url}/login/oauth/access_token`,
        userProfileURL: `${env.url}/api/v3/user`,
      },
      () => {},
    );
    const auth = await fetch(
      `${
        env.url
      }/login/oauth/authorize?response_type=code&client_id=sandbox-client-id&redirect_uri=${encodeURIComponent(
        redirect,
      )}&scope=read%3Auser&login=alice`,
      { redirect: 'manual' },
    );
    const code = new URL(auth.headers.get('location')!).searchParams.get(
      'code',
    );
    const accessToken = await new Promise<string>((resolve, reject) =>
      strategy._oauth2.getOAuthAccessToken(
        code,
        { grant_type: 'authorization_code', redirect_uri: redirect },
        (err: unknown, token: string) => (err ? reject(err) : resolve(token)),
      ),
    );
    expect(accessToken).toMatch(/^gho_/);
    const profile = await new Promise<any>((resolve, reject) =>
      strategy.userProfile(accessToken, (err: unknown, p: unknown) =>
        err ? reject(err) : resolve(p),
      ),
    );
    expect(profile).toMatchObject({
      provider: 'github',
      username: 'alice',
      displayName: 'Alice Martin',
    });
    expect(profile.photos[0].value).toBe(`${env.url}/avatars/alice`);
  });
});
