import type { LuffyApi } from '../api';

/**
 * A LuffyApi for tests: the given methods, and a clear failure for any other call (so a test
 * never passes on a method it did not mean to use).
 */
export function fakeLuffyApi(methods: Partial<LuffyApi>): LuffyApi {
  return new Proxy(methods, {
    get(target, prop) {
      if (prop in target) return target[prop as keyof LuffyApi];
      if (typeof prop === 'symbol' || prop === 'then') return undefined;
      return () => {
        throw new Error(`unexpected LuffyApi.${prop}() in this test`);
      };
    },
  }) as LuffyApi;
}
