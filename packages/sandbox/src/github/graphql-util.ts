// Shared by the GraphQL resolvers: GitHub-style errors, global node ids and cursor paging.

/** An error GitHub's GraphQL reports with a `type` (NOT_FOUND, FORBIDDEN, UNPROCESSABLE…). */
export class GqlError extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

export const gid = (kind: string, id: number | string) =>
  Buffer.from(`${kind}:${id}`).toString('base64');
export const cursor = (i: number) =>
  Buffer.from(`cursor:v2:${i}`).toString('base64');
export const fromCursor = (c?: string) =>
  c ? Number(Buffer.from(c, 'base64').toString().split(':').pop()) : -1;

export function slice<T>(
  items: T[],
  a: { first?: number; last?: number; after?: string; before?: string },
) {
  let start = 0;
  let end = items.length;
  if (a.after) start = fromCursor(a.after) + 1;
  if (a.before) end = Math.min(end, fromCursor(a.before));
  if (a.first !== undefined) end = Math.min(end, start + a.first);
  if (a.last !== undefined) start = Math.max(start, end - a.last);
  return { start, end, page: items.slice(start, end) };
}
