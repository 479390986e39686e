/* eslint-disable */
// Runs Backstage's real Kubernetes backend (plugin-kubernetes-backend) in a plain Node process,
// configured against the sandbox URL in SANDBOX_KUBE_URL, for the contract test beside it. (Jest
// cannot run it in-process: the plugin uses dynamic import(), which needs --experimental-vm-modules.)
const {
  startTestBackend,
  mockServices,
  mockCredentials,
} = require('@backstage/backend-test-utils');
const {
  catalogServiceMock,
} = require('@backstage/plugin-catalog-node/testUtils');

(async () => {
  const entities = JSON.parse(process.env.SANDBOX_ENTITIES || '[]');
  const { server } = await startTestBackend({
    features: [
      require('@backstage/plugin-kubernetes-backend').default,
      mockServices.permissions.factory({ result: 'ALLOW' }),
      catalogServiceMock.factory({ entities }),
      mockServices.rootConfig.factory({
        data: {
          kubernetes: {
            serviceLocatorMethod: { type: 'multiTenant' },
            clusterLocatorMethods: [
              {
                type: 'config',
                clusters: [
                  {
                    name: 'sandbox',
                    url: process.env.SANDBOX_KUBE_URL,
                    authProvider: 'serviceAccount',
                    serviceAccountToken: 'sandbox-kube-token',
                    skipTLSVerify: true,
                  },
                ],
              },
            ],
          },
        },
      }),
    ],
  });
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({
      port: address.port,
      authorization: mockCredentials.user.header(),
    })}\n`,
  );
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
})().catch(e => {
  process.stderr.write(String(e && e.stack ? e.stack : e));
  process.exit(1);
});
