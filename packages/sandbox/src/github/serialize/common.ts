import type { components } from '@octokit/openapi-types';

export type Schemas = components['schemas'];

/** URL builders shared by the serializers (html base and API base). */
export type Urls = { base: string; api: string };

export const nodeId = (kind: string, id: number) =>
  Buffer.from(`0:${kind}${id}`).toString('base64').replace(/=+$/, '');
