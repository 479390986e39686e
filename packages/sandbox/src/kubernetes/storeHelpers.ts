import { ClusterError } from '../core/cluster';
import type { Clock } from '../core/clock';
import type { ResourceType } from './resources';

/** Helpers of the object store: copies, timestamps, deep equality, names, errors. */

export const clone = <T>(o: T): T => structuredClone(o);

export function isoNow(clock?: Clock): string {
  return (clock?.now() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Deep equality of JSON values (key order insensitive). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (typeof a === 'object') {
    const ka = Object.keys(a as object).filter(
      k => (a as any)[k] !== undefined,
    );
    const kb = Object.keys(b as object).filter(
      k => (b as any)[k] !== undefined,
    );
    if (ka.length !== kb.length) return false;
    return ka.every(k => jsonEqual((a as any)[k], (b as any)[k]));
  }
  return false;
}

export function notFound(t: ResourceType, name: string): ClusterError {
  return new ClusterError(
    404,
    'NotFound',
    `${t.plural}${t.group ? `.${t.group}` : ''} "${name}" not found`,
    { name, group: t.group, kind: t.plural },
  );
}

export function conflict(t: ResourceType, name: string) {
  return new ClusterError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${t.plural}${
      t.group ? `.${t.group}` : ''
    } "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: t.group, kind: t.plural },
  );
}

const ALPHANUM = 'bcdfghjklmnpqrstvwxz2456789';
export function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++)
    s += ALPHANUM[Math.floor(Math.random() * ALPHANUM.length)];
  return s;
}
