import {
  coreServices,
  createServiceFactory,
  type BackstageCredentials,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import catalogBackend from '@backstage/plugin-catalog-backend';
import permissionBackend from '@backstage/plugin-permission-backend';
import { waitFor } from '@openluffy/sandbox';
import permissionPolicyModule from './permissionPolicy';

jest.setTimeout(60_000);

// The policy as the backend installs it: the permission backend answers /authorize with it.
const groups: Record<string, string[]> = {
  'user:default/alice': ['group:default/platform-team'],
  'user:default/bob': ['group:default/guests'],
  'user:default/carol': ['group:default/payments'],
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

// Plugin-to-plugin calls on behalf of a user carry the calling plugin as actor (as the real
// auth service's tokens do): the catalog's apply-conditions endpoint refuses users without one.
const authWithActors = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory: ({ plugin }) => {
    const auth = mockServices.auth();
    return Object.assign(Object.create(auth), {
      async getPluginRequestToken(options: {
        onBehalfOf: BackstageCredentials;
        targetPluginId: string;
      }) {
        if (auth.isPrincipal(options.onBehalfOf, 'user')) {
          return {
            token: mockCredentials.user.token(
              options.onBehalfOf.principal.userEntityRef,
              { actor: { subject: `plugin:${plugin.getId()}` } },
            ),
          };
        }
        return auth.getPluginRequestToken(options);
      },
    });
  },
});

async function decide(
  server: Server,
  userRef: string,
  name: string,
  action: string,
  resource?: { resourceType: string; resourceRef: string },
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
          permission: resource
            ? {
                type: 'resource',
                name,
                attributes: { action },
                resourceType: resource.resourceType,
              }
            : { type: 'basic', name, attributes: { action } },
          ...(resource ? { resourceRef: resource.resourceRef } : {}),
        },
      ],
    }),
  });
  if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
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

  it('luffy.operation.run: the catalog evaluates IS_ENTITY_OWNER for the entity (owner allowed, non-owner refused)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'luffy-policy-'));
    const file = path.join(dir, 'entities.yaml');
    fs.writeFileSync(
      file,
      ['payments-api:payments', 'checkout:platform-team']
        .map(s => {
          const [name, owner] = s.split(':');
          return `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
spec:
  type: service
  lifecycle: production
  owner: ${owner}
`;
        })
        .join('---\n'),
    );
    const { server } = await startTestBackend({
      features: [
        catalogBackend,
        permissionBackend,
        permissionPolicyModule,
        userInfo,
        authWithActors,
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            catalog: {
              rules: [{ allow: ['Component'] }],
              locations: [{ type: 'file', target: file }],
            },
            luffy: {
              permissions: { writerGroups: ['group:default/platform-team'] },
            },
          },
        }),
      ],
    });
    const { port } = server.address() as AddressInfo;
    await waitFor(
      async () => {
        const res = await fetch(
          `http://127.0.0.1:${port}/api/catalog/entities/by-name/component/default/payments-api`,
          { headers: { Authorization: mockCredentials.service.header() } },
        );
        if (res.status !== 200) {
          throw new Error(`${res.status} ${await res.text()}`);
        }
        return true;
      },
      'the catalog to ingest the test entities',
      { timeoutMs: 45_000, intervalMs: 200 },
    );
    const run = (user: string, entity: string) =>
      decide(server, user, 'luffy.operation.run', 'create', {
        resourceType: 'catalog-entity',
        resourceRef: `component:default/${entity}`,
      });

    // carol is in payments, which owns payments-api and not checkout
    expect(await run('user:default/carol', 'payments-api')).toBe('ALLOW');
    expect(await run('user:default/carol', 'checkout')).toBe('DENY');
    // bob owns nothing
    expect(await run('user:default/bob', 'payments-api')).toBe('DENY');
    // writer groups operate every entity
    expect(await run('user:default/alice', 'payments-api')).toBe('ALLOW');
    expect(await run('user:default/alice', 'checkout')).toBe('ALLOW');
  });
});
