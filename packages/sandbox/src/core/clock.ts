/**
 * Simulated time. Every delay in the sandbox (CI checks, pod start-up, back-off, Argo CD sync
 * intervals) is expressed in simulated milliseconds and runs `timeScale` times faster in real
 * time, so demos and tests can make minutes pass in seconds.
 */
export class Clock {
  #timeScale: number;
  #timers = new Set<NodeJS.Timeout>();

  constructor(options: { timeScale?: number } = {}) {
    this.#timeScale = options.timeScale ?? 1;
  }

  get timeScale(): number {
    return this.#timeScale;
  }

  setTimeScale(scale: number) {
    if (!Number.isFinite(scale) || scale <= 0) {
      throw new Error(`time scale must be a positive number, got ${scale}`);
    }
    this.#timeScale = scale;
  }

  /** Wall-clock now; timestamps written into objects are real ISO times. */
  now(): Date {
    return new Date();
  }

  /** Real milliseconds that `simulatedMs` take at the current scale. */
  real(simulatedMs: number): number {
    return Math.max(0, Math.round(simulatedMs / this.#timeScale));
  }

  setTimeout(fn: () => void, simulatedMs: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, this.real(simulatedMs));
    t.unref?.();
    this.#timers.add(t);
    return t;
  }

  setInterval(fn: () => void, simulatedMs: number): NodeJS.Timeout {
    const t = setInterval(fn, Math.max(10, this.real(simulatedMs)));
    t.unref?.();
    this.#timers.add(t);
    return t;
  }

  clear(t: NodeJS.Timeout) {
    clearTimeout(t);
    clearInterval(t);
    this.#timers.delete(t);
  }

  /** Stops every pending timer (sandbox shutdown). */
  dispose() {
    for (const t of this.#timers) {
      clearTimeout(t);
      clearInterval(t);
    }
    this.#timers.clear();
  }
}
