import crypto from 'node:crypto';
import express from 'express';
import sodium from 'libsodium-wrappers';
import type { GithubService } from '../service';
import { GhError, h, notFound, missingField, validation } from '../errors';
import { needViewer, paginate } from './common';
import {
  getActionsStore,
  type KeyRecord,
  type SecretRecord,
  type VariableRecord,
} from '../actions-store';
import type { RepoRecord } from '../state';

const b64 = (x: Uint8Array) =>
  sodium.to_base64(x, sodium.base64_variants.ORIGINAL);

/** A scope of secrets/variables and who may read and write it. */
type Scope = {
  key: string;
  /** Repository id for repo and environment scopes. */
  repo?: RepoRecord;
  org?: string;
};

/**
 * Actions secrets and variables of repositories, environments and organizations. Each scope
 * has a real libsodium keypair (`GET …/secrets/public-key`); `PUT …/secrets/:name` accepts only
 * a value sealed with that public key (checked by opening it with the private key) and the
 * current `key_id`. Secret values are never served; the decrypted value stays in memory only
 * (`getActionsStore(svc).secretValues`, for tests).
 */
export function secretsRouter(svc: GithubService): express.Router {
  const r = express.Router();
  const store = getActionsStore(svc);

  // ---------------------------------------------------------------- scopes

  // secrets and variables are for collaborators with write access (404, 401 or 403 otherwise)
  const repoScope = (req: express.Request): Scope => {
    const rec = svc.writable(req.params.owner, req.params.repo, req.ghViewer);
    return { key: `repo:${rec.id}`, repo: rec };
  };
  const byIdScope = (req: express.Request): RepoRecord => {
    const rec = Object.values(svc.data.repos).find(
      x => String(x.id) === req.params.id,
    );
    if (!rec) throw notFound();
    return svc.writable(rec.owner, rec.name, req.ghViewer);
  };
  const envOf = (rec: RepoRecord, name: string): Scope => {
    if (
      !svc.data.environments.some(
        e => e.owner === rec.owner && e.repo === rec.name && e.name === name,
      )
    )
      throw notFound();
    return { key: `env:${rec.id}:${name}`, repo: rec };
  };
  const envScope = (req: express.Request): Scope =>
    req.params.id
      ? envOf(byIdScope(req), req.params.env)
      : envOf(repoScope(req).repo!, req.params.env);
  const orgScope = (req: express.Request): Scope => {
    const org = svc.mustOrg(req.params.org);
    const v = needViewer(req);
    if (org.members?.[v.login] !== 'admin')
      throw new GhError(403, 'Must have admin rights to Organization.');
    return { key: `org:${org.login.toLowerCase()}`, org: org.login };
  };

  // ---------------------------------------------------------------- keys & names

  const keyOf = async (scope: string): Promise<KeyRecord> => {
    await sodium.ready;
    let k = store.data.keys.find(x => x.scope === scope);
    if (!k) {
      const pair = sodium.crypto_box_keypair();
      k = {
        scope,
        key_id: String(
          BigInt(`0x${crypto.randomBytes(8).toString('hex')}`) % 10n ** 19n,
        ),
        public_key: b64(pair.publicKey),
        private_key: b64(pair.privateKey),
      };
      store.data.keys.push(k);
    }
    return k;
  };

  const cleanName = (resource: string, raw: unknown): string => {
    const name = String(raw ?? '');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || /^GITHUB_/i.test(name))
      throw validation(
        [{ resource, field: 'name', code: 'invalid' }],
        `${resource} names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_), must not start with a number or GITHUB_`,
      );
    return name.toUpperCase();
  };

  const visibility = (b: any, resource: string) => {
    if (!['all', 'private', 'selected'].includes(b?.visibility))
      throw missingField(resource, 'visibility');
    const ids = Array.isArray(b.selected_repository_ids)
      ? b.selected_repository_ids.map(Number)
      : [];
    return {
      visibility: b.visibility as 'all' | 'private' | 'selected',
      selected_repository_ids: b.visibility === 'selected' ? ids : [],
    };
  };

  const u = () => svc.urls();
  const secretJson = (s: SecretRecord) =>
    s.scope.startsWith('org:')
      ? {
          name: s.name,
          created_at: s.created_at,
          updated_at: s.updated_at,
          visibility: s.visibility ?? 'private',
          ...(s.visibility === 'selected'
            ? {
                selected_repositories_url: `${u().api}/orgs/${s.scope.slice(
                  4,
                )}/actions/secrets/${s.name}/repositories`,
              }
            : {}),
        }
      : { name: s.name, created_at: s.created_at, updated_at: s.updated_at };
  const variableJson = (s: VariableRecord) => ({
    name: s.name,
    value: s.value,
    created_at: s.created_at,
    updated_at: s.updated_at,
    ...(s.scope.startsWith('org:')
      ? {
          visibility: s.visibility ?? 'private',
          ...(s.visibility === 'selected'
            ? {
                selected_repositories_url: `${u().api}/orgs/${s.scope.slice(
                  4,
                )}/actions/variables/${s.name}/repositories`,
              }
            : {}),
        }
      : {}),
  });

  // ---------------------------------------------------------------- secrets

  const secretRoutes = (
    base: string,
    scopeOf: (req: express.Request) => Scope,
  ) => {
    r.get(
      `${base}/secrets/public-key`,
      h(async (req, res) => {
        const k = await keyOf(scopeOf(req).key);
        res.json({ key_id: k.key_id, key: k.public_key });
      }),
    );
    r.get(
      `${base}/secrets`,
      h((req, res) => {
        const scope = scopeOf(req).key;
        const list = store.data.secrets
          .filter(s => s.scope === scope)
          .sort((a, b) => a.name.localeCompare(b.name));
        res.json({
          total_count: list.length,
          secrets: paginate(req, res, list).map(secretJson),
        });
      }),
    );
    const find = (req: express.Request) => {
      const scope = scopeOf(req).key;
      const name = String(req.params.name).toUpperCase();
      return {
        scope,
        name,
        secret: store.data.secrets.find(
          s => s.scope === scope && s.name === name,
        ),
      };
    };
    r.get(
      `${base}/secrets/:name`,
      h((req, res) => {
        const { secret } = find(req);
        if (!secret) throw notFound();
        res.json(secretJson(secret));
      }),
    );
    r.put(
      `${base}/secrets/:name`,
      h(async (req, res) => {
        const { scope, secret } = find(req);
        const name = cleanName('Secret', req.params.name);
        const b = req.body ?? {};
        if (typeof b.encrypted_value !== 'string' || !b.encrypted_value)
          throw missingField('Secret', 'encrypted_value');
        if (typeof b.key_id !== 'string' || !b.key_id)
          throw missingField('Secret', 'key_id');
        const org = scope.startsWith('org:') ? visibility(b, 'Secret') : {};
        const k = await keyOf(scope);
        if (b.key_id !== k.key_id)
          throw new GhError(
            422,
            `Bad request: key_id ${b.key_id} does not match the current public key (${k.key_id}); fetch …/secrets/public-key again`,
          );
        let value: string;
        try {
          const opened = sodium.crypto_box_seal_open(
            sodium.from_base64(
              b.encrypted_value,
              sodium.base64_variants.ORIGINAL,
            ),
            sodium.from_base64(k.public_key, sodium.base64_variants.ORIGINAL),
            sodium.from_base64(k.private_key, sodium.base64_variants.ORIGINAL),
          );
          value = sodium.to_string(opened);
        } catch {
          throw new GhError(
            422,
            'Bad request: encrypted_value must be the secret sealed (libsodium crypto_box_seal) with the public key of key_id, base64-encoded',
          );
        }
        const now = svc.now();
        store.secretValues.set(`${scope}/${name}`, value);
        if (secret) {
          secret.updated_at = now;
          Object.assign(secret, org);
          res.status(204).end();
          return;
        }
        store.data.secrets.push({
          scope,
          name,
          created_at: now,
          updated_at: now,
          ...org,
        });
        res.status(201).json({});
      }),
    );
    r.delete(
      `${base}/secrets/:name`,
      h((req, res) => {
        const { scope, name, secret } = find(req);
        if (!secret) throw notFound();
        store.data.secrets = store.data.secrets.filter(s => s !== secret);
        store.secretValues.delete(`${scope}/${name}`);
        res.status(204).end();
      }),
    );
  };

  // ---------------------------------------------------------------- variables

  const variableRoutes = (
    base: string,
    scopeOf: (req: express.Request) => Scope,
  ) => {
    r.get(
      `${base}/variables`,
      h((req, res) => {
        const scope = scopeOf(req).key;
        const list = store.data.variables
          .filter(s => s.scope === scope)
          .sort((a, b) => a.name.localeCompare(b.name));
        res.json({
          total_count: list.length,
          variables: paginate(req, res, list).map(variableJson),
        });
      }),
    );
    const find = (req: express.Request) => {
      const scope = scopeOf(req).key;
      const name = String(req.params.name).toUpperCase();
      const variable = store.data.variables.find(
        s => s.scope === scope && s.name === name,
      );
      if (!variable) throw notFound();
      return variable;
    };
    r.post(
      `${base}/variables`,
      h((req, res) => {
        const scope = scopeOf(req).key;
        const b = req.body ?? {};
        if (b.name === undefined) throw missingField('Variable', 'name');
        if (typeof b.value !== 'string')
          throw missingField('Variable', 'value');
        const name = cleanName('Variable', b.name);
        const org = scope.startsWith('org:') ? visibility(b, 'Variable') : {};
        if (
          store.data.variables.some(s => s.scope === scope && s.name === name)
        )
          throw new GhError(409, 'Already exists - Variable already exists');
        const now = svc.now();
        store.data.variables.push({
          scope,
          name,
          value: b.value,
          created_at: now,
          updated_at: now,
          ...org,
        });
        res.status(201).json({});
      }),
    );
    r.get(
      `${base}/variables/:name`,
      h((req, res) => {
        res.json(variableJson(find(req)));
      }),
    );
    r.patch(
      `${base}/variables/:name`,
      h((req, res) => {
        const v = find(req);
        const b = req.body ?? {};
        if (b.value !== undefined && typeof b.value !== 'string')
          throw validation([
            { resource: 'Variable', field: 'value', code: 'invalid' },
          ]);
        let name = v.name;
        if (b.name !== undefined) {
          name = cleanName('Variable', b.name);
          if (
            name !== v.name &&
            store.data.variables.some(
              s => s.scope === v.scope && s.name === name,
            )
          )
            throw new GhError(409, 'Already exists - Variable already exists');
        }
        if (v.scope.startsWith('org:') && b.visibility !== undefined)
          Object.assign(v, visibility(b, 'Variable'));
        v.name = name;
        if (b.value !== undefined) v.value = b.value;
        v.updated_at = svc.now();
        res.status(204).end();
      }),
    );
    r.delete(
      `${base}/variables/:name`,
      h((req, res) => {
        const v = find(req);
        store.data.variables = store.data.variables.filter(x => x !== v);
        res.status(204).end();
      }),
    );
  };

  secretRoutes('/repos/:owner/:repo/actions', repoScope);
  secretRoutes('/repos/:owner/:repo/environments/:env', envScope);
  secretRoutes('/repositories/:id(\\d+)/environments/:env', envScope);
  secretRoutes('/orgs/:org/actions', orgScope);
  variableRoutes('/repos/:owner/:repo/actions', repoScope);
  variableRoutes('/repos/:owner/:repo/environments/:env', envScope);
  variableRoutes('/repositories/:id(\\d+)/environments/:env', envScope);
  variableRoutes('/orgs/:org/actions', orgScope);
  return r;
}
