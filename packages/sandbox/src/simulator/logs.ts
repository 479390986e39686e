import type { Behaviour } from './behaviour';
import { formatMi } from './behaviour';

export type LogLine = { at: number; text: string };

type Instance = {
  lines: LogLine[];
  startedAt: number;
  /** Still running: request lines are synthesised up to now on read. */
  running: boolean;
  endedAt?: number;
  stack: Behaviour['stack'];
};

type ContainerLogs = { current?: Instance; previous?: Instance };

const MAX_LINES = 500;
/** Simulated seconds between synthesised request log lines of a running container. */
const HEARTBEAT_SECONDS = 15;

/** Per pod and container log lines; `previous` is the last terminated instance's log. */
export class PodLogs {
  #pods = new Map<string, Map<string, ContainerLogs>>();

  constructor(private readonly timeScale: () => number) {}

  #container(podUid: string, container: string): ContainerLogs {
    let pod = this.#pods.get(podUid);
    if (!pod) this.#pods.set(podUid, (pod = new Map()));
    let c = pod.get(container);
    if (!c) pod.set(container, (c = {}));
    return c;
  }

  has(podUid: string, container: string) {
    return !!this.#pods.get(podUid)?.get(container)?.current;
  }

  /** A container instance starts: the current log becomes `previous`. */
  start(
    podUid: string,
    container: string,
    stack: Behaviour['stack'],
    at = Date.now(),
  ) {
    const c = this.#container(podUid, container);
    if (c.current) {
      this.#materialise(c.current, at);
      c.current.running = false;
      c.current.endedAt ??= at;
      c.previous = c.current;
    }
    c.current = { lines: [], startedAt: at, running: true, stack };
  }

  append(podUid: string, container: string, text: string, at = Date.now()) {
    const c = this.#container(podUid, container);
    c.current ??= { lines: [], startedAt: at, running: true, stack: 'node' };
    this.#materialise(c.current, at);
    const line = { at, text };
    c.current.lines.push(line);
    if (c.current.lines.length > MAX_LINES)
      c.current.lines.splice(0, c.current.lines.length - MAX_LINES);
  }

  /** The instance stops (crash, OOM kill, pod deletion). */
  stop(podUid: string, container: string, at = Date.now()) {
    const c = this.#pods.get(podUid)?.get(container);
    if (!c?.current) return;
    this.#materialise(c.current, at);
    c.current.running = false;
    c.current.endedAt = at;
  }

  forget(podUid: string) {
    this.#pods.delete(podUid);
  }

  /** Adds synthesised request lines for the time a healthy container has been running. */
  #materialise(inst: Instance, until: number) {
    if (!inst.running) return;
    const step = (HEARTBEAT_SECONDS * 1000) / Math.max(0.001, this.timeScale());
    const last = inst.lines.length
      ? inst.lines[inst.lines.length - 1].at
      : inst.startedAt;
    let t = Math.max(last, (inst as any).heartbeatAt ?? inst.startedAt) + step;
    let n = 0;
    const added: LogLine[] = [];
    while (t <= until && n < MAX_LINES) {
      added.push({ at: t, text: heartbeat(inst.stack, n + inst.lines.length) });
      t += step;
      n++;
    }
    if (added.length) {
      (inst as any).heartbeatAt = added[added.length - 1].at;
      inst.lines.push(...added);
      if (inst.lines.length > MAX_LINES)
        inst.lines.splice(0, inst.lines.length - MAX_LINES);
    }
  }

  /** Lines of the current (or previous) instance; undefined when there is none. */
  read(
    podUid: string,
    container: string,
    options: { previous?: boolean; at?: number } = {},
  ): LogLine[] | undefined {
    const c = this.#pods.get(podUid)?.get(container);
    // A crashed container that has not restarted yet: its log is what `previous` asks for.
    let inst = c?.current;
    if (options.previous)
      inst = c?.current && !c.current.running ? c.current : c?.previous;
    if (!inst) return undefined;
    this.#materialise(inst, options.at ?? Date.now());
    return [...inst.lines];
  }

  save() {
    const out: Record<string, Record<string, ContainerLogs>> = {};
    for (const [uid, m] of this.#pods) out[uid] = Object.fromEntries(m);
    return out;
  }

  load(data: any) {
    if (!data || typeof data !== 'object') return;
    for (const [uid, m] of Object.entries(data))
      this.#pods.set(uid, new Map(Object.entries(m as object)));
  }
}

function heartbeat(stack: Behaviour['stack'], n: number): string {
  const paths = ['/healthz', '/readyz', '/api/items', '/metrics'];
  const path = paths[n % paths.length];
  const ms = 1 + ((n * 7) % 23);
  switch (stack) {
    case 'python':
      return `INFO:     10.244.0.1:5${
        (n * 13) % 1000
      } - "GET ${path} HTTP/1.1" 200 OK`;
    case 'go':
      return `{"level":"info","msg":"request","method":"GET","path":"${path}","status":200,"duration_ms":${ms}}`;
    default:
      return `info: GET ${path} 200 ${ms}ms`;
  }
}

/** Start-up lines of a container instance. */
export function startupLines(
  stack: Behaviour['stack'],
  service: string,
  b: Behaviour,
): string[] {
  const port = stack === 'python' ? 8000 : 8080;
  const mem = formatMi(b.memoryDemandBytes);
  switch (stack) {
    case 'python':
      return [
        `INFO:     Starting ${service} (python 3.12, uvicorn)`,
        `INFO:     Loading model cache (${mem} expected)`,
        `INFO:     Started server process [1]`,
        `INFO:     Waiting for application startup.`,
        `INFO:     Application startup complete.`,
        `INFO:     Uvicorn running on http://0.0.0.0:${port} (Press CTRL+C to quit)`,
      ];
    case 'go':
      return [
        `{"level":"info","msg":"starting ${service}","version":"go1.23","gomaxprocs":2}`,
        `{"level":"info","msg":"loaded configuration","expectedMemory":"${mem}"}`,
        `{"level":"info","msg":"listening","addr":":${port}"}`,
      ];
    default:
      return [
        `> ${service}@1.0.0 start`,
        `> node dist/server.js`,
        `info: starting ${service} (node v22, NODE_ENV=production)`,
        `info: warming caches (${mem} expected)`,
        `info: ${service} listening on http://0.0.0.0:${port}`,
      ];
  }
}

export function missingEnvLines(
  stack: Behaviour['stack'],
  variable: string,
): string[] {
  const line = `Error: required environment variable ${variable} is not set`;
  switch (stack) {
    case 'python':
      return [
        'Traceback (most recent call last):',
        '  File "/app/main.py", line 12, in <module>',
        '    settings = Settings.from_env()',
        `RuntimeError: required environment variable ${variable} is not set`,
        line,
      ];
    case 'go':
      return [
        `{"level":"fatal","msg":"required environment variable ${variable} is not set"}`,
        line,
      ];
    default:
      return [
        line,
        '    at loadConfig (/app/dist/config.js:14:11)',
        '    at Object.<anonymous> (/app/dist/server.js:3:16)',
      ];
  }
}

export function crashLines(
  stack: Behaviour['stack'],
  message: string,
): string[] {
  switch (stack) {
    case 'python':
      return [
        'Traceback (most recent call last):',
        '  File "/app/main.py", line 30, in startup',
        `RuntimeError: ${message}`,
        `Error: ${message}`,
      ];
    case 'go':
      return [
        `panic: ${message}`,
        '',
        'goroutine 1 [running]:',
        'main.main()',
        '\t/src/cmd/server/main.go:42 +0x1c5',
        `Error: ${message}`,
      ];
    default:
      return [
        `Error: ${message}`,
        '    at startServer (/app/dist/server.js:41:9)',
        '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      ];
  }
}

export function oomLines(stack: Behaviour['stack'], b: Behaviour): string[] {
  const used = formatMi(b.memoryLimitBytes ?? b.memoryDemandBytes);
  const want = formatMi(b.memoryDemandBytes);
  switch (stack) {
    case 'python':
      return [
        `WARNING:  memory usage ${used} of limit ${used}, cache still loading (needs ${want})`,
        'FATAL: out of memory',
        'MemoryError',
      ];
    case 'go':
      return [
        `{"level":"warn","msg":"heap near limit","heap":"${used}","needed":"${want}"}`,
        'FATAL: out of memory',
        'fatal error: runtime: out of memory',
      ];
    default:
      return [
        `warn: heap usage ${used} reached the container limit (needs ${want})`,
        'FATAL: out of memory',
        '<--- Last few GCs --->',
        'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
      ];
  }
}
