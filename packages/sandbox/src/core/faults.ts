/** Service families the sandbox serves; each listens on its own port. */
export type Family = 'github' | 'kubernetes' | 'argocd' | 'anthropic';

/**
 * A fault injected through the control API. It applies to requests of `family` (optionally only
 * those that concern `service`, e.g. the repo, namespace or app name contains it) until `until`.
 */
export type Fault =
  | { kind: 'status'; status: 500 | 502 | 503 | 504 } // server error, family-shaped body
  | { kind: 'rate-limit' } // GitHub primary rate limit: 403/429 + x-ratelimit-remaining: 0
  | { kind: 'secondary-rate-limit'; retryAfterSeconds: number } // GitHub secondary limit + retry-after
  | { kind: 'too-many-requests'; retryAfterSeconds: number } // 429 + retry-after (Anthropic 429, k8s 429)
  | { kind: 'overloaded' } // Anthropic 529
  | { kind: 'down' } // connection reset: the API is unreachable
  | { kind: 'latency'; ms: number }; // extra delay, then the normal answer

export type FaultRule = {
  id: string;
  family: Family;
  service?: string;
  fault: Fault;
  /** Epoch ms after which the rule no longer applies. */
  until: number;
};

export class FaultRegistry {
  #rules: FaultRule[] = [];
  #seq = 0;

  add(rule: Omit<FaultRule, 'id'>): FaultRule {
    const full = { ...rule, id: `fault-${++this.#seq}` };
    this.#rules.push(full);
    return full;
  }

  remove(id: string): boolean {
    const before = this.#rules.length;
    this.#rules = this.#rules.filter(r => r.id !== id);
    return this.#rules.length !== before;
  }

  clear() {
    this.#rules = [];
  }

  list(now = Date.now()): FaultRule[] {
    this.#rules = this.#rules.filter(r => r.until > now);
    return [...this.#rules];
  }

  /**
   * The active faults for a request of `family` whose path is `path`. A rule with a `service`
   * matches when the path mentions it as a whole path segment or segment prefix
   * (`/repos/acme/checkout`, `/namespaces/checkout-dev`, `/applications/checkout-prod`).
   */
  match(family: Family, path: string, now = Date.now()): Fault[] {
    return this.list(now)
      .filter(r => r.family === family)
      .filter(
        r =>
          !r.service ||
          path
            .split(/[/?&=]/)
            .some(seg => seg === r.service || seg.startsWith(`${r.service}-`)),
      )
      .map(r => r.fault);
  }
}
