import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

type WebhooksMethods = {
  sign(secret: string, payload: string): Promise<string>;
  verify(secret: string, payload: string, signature: string): Promise<boolean>;
};

let methods: WebhooksMethods | undefined;

/**
 * `@octokit/webhooks-methods` is ESM-only with an import-only export map, which CommonJS
 * `require` cannot resolve by name; its Node build has no dependencies, so it is loaded by
 * file from the package folder (Node 22 `require(esm)`), as luffy-backend does.
 */
function webhooksMethods(): WebhooksMethods {
  if (!methods) {
    const file = (require.resolve.paths('@octokit/webhooks-methods') ?? [])
      .map(dir =>
        path.join(dir, '@octokit/webhooks-methods/dist-node/index.js'),
      )
      .find(f => fs.existsSync(f));
    if (!file) throw new Error('@octokit/webhooks-methods is not installed');
    methods = require(file) as WebhooksMethods;
  }
  return methods;
}

/** `sha256=<hex HMAC>`: the X-Hub-Signature-256 value, made by @octokit/webhooks-methods `sign`. */
export function signPayload(secret: string, payload: string): Promise<string> {
  return webhooksMethods().sign(secret, payload);
}

/** Checks an X-Hub-Signature-256 value with @octokit/webhooks-methods `verify`. */
export function verifyPayload(
  secret: string,
  payload: string,
  signature: string,
): Promise<boolean> {
  return webhooksMethods().verify(secret, payload, signature);
}

/**
 * `sha1=<hex HMAC>`: the legacy X-Hub-Signature header GitHub still sends beside the sha256 one
 * (@octokit/webhooks-methods signs sha256 only, so node's crypto makes this one).
 */
export function signPayloadSha1(secret: string, payload: string): string {
  return `sha1=${crypto
    .createHmac('sha1', secret)
    .update(payload)
    .digest('hex')}`;
}
