import { ClusterError, type KubeObject } from '../core/cluster';
import { applyDefaults } from './defaults';
import type { ResourceType } from './resources';
import { clone, jsonEqual, randomSuffix } from './storeHelpers';

/**
 * What the API server does to an object before the store keeps it: apiVersion/kind and
 * namespace filled in and checked, the name checked (or generated), and, on a replace, the
 * server-assigned fields and the generation carried over from the stored object.
 * Pure functions of the object, its type and the stored object (`store.ts` commits the result).
 */

const SPEC_EXCLUDED = new Set(['metadata', 'status', 'apiVersion', 'kind']);

/** A copy of `input` with apiVersion, kind and namespace filled in and checked against `t`. */
export function normalizeObject(
  t: ResourceType,
  input: KubeObject,
): KubeObject {
  if (!input || typeof input !== 'object' || !input.metadata)
    throw new ClusterError(400, 'BadRequest', 'the object has no metadata');
  const obj = clone(input);
  obj.apiVersion ??= t.apiVersion;
  obj.kind ??= t.kind;
  if (obj.apiVersion !== t.apiVersion || obj.kind !== t.kind)
    throw new ClusterError(
      400,
      'BadRequest',
      `the API version in the data (${obj.apiVersion}) does not match the expected API version (${t.apiVersion}) or kind ${obj.kind} is not ${t.kind}`,
    );
  if (t.namespaced) obj.metadata.namespace ||= 'default';
  else delete obj.metadata.namespace;
  return obj;
}

/** Generates the name from `generateName` when there is none, or checks it (422 Invalid). */
export function checkName(t: ResourceType, obj: KubeObject) {
  const name = obj.metadata.name;
  if (!name && obj.metadata.generateName) {
    obj.metadata.name = `${obj.metadata.generateName}${randomSuffix()}`;
    return;
  }
  if (
    typeof name !== 'string' ||
    !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) ||
    name.length > 253
  ) {
    throw new ClusterError(
      422,
      'Invalid',
      name
        ? `${t.kind} "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`
        : `${t.kind} "" is invalid: metadata.name: Required value: name or generateName is required`,
      { name: name ?? '', group: t.group, kind: t.kind },
    );
  }
}

/**
 * The object a replace (PUT, apply) stores in place of `existing`: server-assigned fields
 * (uid, creationTimestamp, deletion marks, a Service's clusterIP, a Pod's nodeName) survive,
 * the status is kept when `keepStatus` and the type has a status subresource, and the
 * generation moves on only when something outside metadata and status changed.
 */
export function prepareReplace(
  t: ResourceType,
  input: KubeObject,
  existing: KubeObject,
  keepStatus: boolean,
  allocateIp: () => string,
): KubeObject {
  const obj = normalizeObject(t, input);
  if (obj.kind === 'Service' && obj.spec && existing.spec?.clusterIP) {
    obj.spec.clusterIP ??= existing.spec.clusterIP;
    obj.spec.clusterIPs ??= existing.spec.clusterIPs;
  }
  if (obj.kind === 'Pod' && obj.spec && existing.spec?.nodeName)
    obj.spec.nodeName ??= existing.spec.nodeName;
  applyDefaults(obj, allocateIp);
  const meta = obj.metadata;
  meta.uid = existing.metadata.uid;
  meta.creationTimestamp = existing.metadata.creationTimestamp;
  if (existing.metadata.deletionTimestamp)
    meta.deletionTimestamp = existing.metadata.deletionTimestamp;
  if (existing.metadata.deletionGracePeriodSeconds !== undefined)
    meta.deletionGracePeriodSeconds =
      existing.metadata.deletionGracePeriodSeconds;
  if (keepStatus && (t.subresources ?? []).includes('status')) {
    if (existing.status !== undefined) obj.status = existing.status;
    else delete obj.status;
  }
  const specChanged = Object.keys({ ...obj, ...existing }).some(
    k => !SPEC_EXCLUDED.has(k) && !jsonEqual(obj[k], existing[k]),
  );
  const gen = existing.metadata.generation;
  if (gen !== undefined) meta.generation = specChanged ? gen + 1 : gen;
  else delete meta.generation;
  return obj;
}
