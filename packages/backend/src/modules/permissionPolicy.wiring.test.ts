import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import permissionBackend from '@backstage/plugin-permission-backend';
import permissionPolicyModule from './permissionPolicy';

jest.setTimeout(60_000);

// The policy as the backend installs it: the permission backend answers /authorize with it.
const groups: Record<string, string[]> = {
  'user:default/alice': ['group:default/platform-team'],
  'user:default/bob': ['group:default/guests'],
};

const userInfo = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: () => ({
    async getUserInfo(credentials) {
      const ref = (credentials.principal as { userEntityRef: string })
        .userEntityRef;
      return {
        userEntityRef: ref,
        ownershipEntityRefs: [ref, ...(groups[ref] ?? [])],
      };
    },
  }),
});

async function decide(
  server: Server,
  userRef: string,
  name: string,
  action: string,
) {
  const { port } = server.address() as AddressInfo;
  const res = await fetch(`http://127.0.0.1:${port}/api/permission/authorize`, {
    method: 'POST',
    headers: {
      Authorization: mockCredentials.user.header(userRef),
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({
      items: [
        {
          id: '1',
          permission: { type: 'basic', name, attributes: { action } },
        },
      ],
    }),
  });
  expect(res.status).toBe(200);
  return (await res.json()).items[0].result;
}

describe('permission policy module', () => {
  it('is the policy of the permission backend', async () => {
    const { server } = await startTestBackend({
      features: [
        permissionBackend,
        permissionPolicyModule,
        userInfo,
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            luffy: {
              permissions: { writerGroups: ['group:default/platform-team'] },
            },
          },
        }),
      ],
    });

    expect(
      await decide(
        server,
        'user:default/alice',
        'luffy.operation.run',
        'update',
      ),
    ).toBe('ALLOW');
    expect(
      await decide(server, 'user:default/bob', 'luffy.operation.run', 'update'),
    ).toBe('DENY');
    expect(
      await decide(
        server,
        'user:default/bob',
        'luffy.pullRequest.merge',
        'update',
      ),
    ).toBe('DENY');
    expect(
      await decide(
        server,
        'user:default/bob',
        'catalog.entity.create',
        'create',
      ),
    ).toBe('ALLOW');
  });
});
