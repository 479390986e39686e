/** A cached GET response, replayed when GitHub answers 304 Not Modified. */
export type CachedResponse = {
  etag: string;
  status: number;
  url: string;
  headers: Record<string, string>;
  data: unknown;
};

/**
 * Bounded LRU of GET responses by (credential identity, Accept, URL). Shared by every client
 * of a factory, so a second caller's repeat GET is a conditional request too.
 */
export class EtagCache {
  readonly #entries = new Map<string, CachedResponse>();
  readonly maxEntries: number;
  hits = 0;
  misses = 0;

  constructor(maxEntries: number) {
    this.maxEntries = Math.max(0, maxEntries);
  }

  get size() {
    return this.#entries.size;
  }

  get(key: string): CachedResponse | undefined {
    const e = this.#entries.get(key);
    if (e) {
      // refresh LRU position
      this.#entries.delete(key);
      this.#entries.set(key, e);
    }
    return e;
  }

  set(key: string, value: CachedResponse) {
    if (this.maxEntries === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  delete(key: string) {
    this.#entries.delete(key);
  }
}
