import YAML from 'yaml';

/** A failure the commit asks for: every job (job null), one job, or one step of one job. */
export type FailRule = { job: string | null; step: string | null; flaky: boolean };

const stepName = (s: any): string => {
  if (typeof s?.name === 'string') return s.name;
  if (s?.uses) return `Run ${s.uses}`;
  return `Run ${String(s?.run ?? '').split('\n')[0]}`;
};

const envOf = (e: unknown): string | null => {
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && typeof (e as any).name === 'string')
    return (e as any).name;
  return null;
};

const rule = (spec: string, flaky: boolean): FailRule => {
  const s = spec.trim();
  if (!s) return { job: null, step: null, flaky };
  const i = s.indexOf('/');
  return i < 0
    ? { job: s, step: null, flaky }
    : { job: s.slice(0, i).trim(), step: s.slice(i + 1).trim(), flaky };
};


/** What the simulated Actions runner reads from a workflow file. */
export type WorkflowInput = {
  name: string;
  required: boolean;
  default?: unknown;
  type: string;
  options?: string[];
};

export type WorkflowJobSpec = {
  key: string;
  name: string;
  needs: string[];
  /** Raw `environment:` (a name, an expression, or `{ name, url }`). */
  environment: string | null;
  /** Raw `if:` of the job, if any. */
  if?: string;
  steps: Array<{ name: string; run?: string }>;
};

export type WorkflowFile = {
  name?: string;
  /** Trigger name → its configuration (`on:` normalised to an object). */
  on: Record<string, any>;
  jobs: WorkflowJobSpec[];
};

/** Parses a workflow file; undefined when it is not valid YAML. */
export function parseWorkflow(text: string): WorkflowFile | undefined {
  let doc: any;
  try {
    doc = YAML.parse(text);
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object') return undefined;
  const rawOn = doc.on ?? doc.true; // YAML 1.1 parsers read `on` as true
  let on: Record<string, any> = {};
  if (typeof rawOn === 'string') on = { [rawOn]: null };
  else if (Array.isArray(rawOn))
    on = Object.fromEntries(rawOn.map((e: string) => [e, null]));
  else if (rawOn && typeof rawOn === 'object') on = rawOn;
  const rawJobs =
    doc.jobs && typeof doc.jobs === 'object' && Object.keys(doc.jobs).length
      ? doc.jobs
      : null;
  const jobs: WorkflowJobSpec[] = rawJobs
    ? Object.entries(rawJobs).map(([key, j]: [string, any]) => ({
        key,
        name: typeof j?.name === 'string' ? j.name : key,
        needs: ([] as string[]).concat(j?.needs ?? []).map(String),
        environment: envOf(j?.environment),
        ...(j?.if !== undefined ? { if: String(j.if) } : {}),
        steps: (Array.isArray(j?.steps) ? j.steps : []).map((s: any) => ({
          name: stepName(s),
          run: typeof s?.run === 'string' ? s.run : undefined,
        })),
      }))
    : // no jobs declared: the sandbox's two default jobs, independent of each other
      ['build', 'test'].map(key => ({
        key,
        name: key,
        needs: [],
        environment: null,
        steps: [
          { name: 'Run actions/checkout@v4' },
          { name: `Run make ${key}`, run: `make ${key}` },
        ],
      }));
  return { name: typeof doc.name === 'string' ? doc.name : undefined, on, jobs };
}

const globRe = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*\*/g, '<<globstar>>')
      .replace(/\*/g, '[^/]*')
      .replace(/<<globstar>>/g, '.*')
      .replace(/\?/g, '.')}$`,
  );

/**
 * Whether `event` on `branch` triggers the workflow: the event is under `on:` and the branch
 * passes its `branches` / `branches-ignore` filters (globs with `*` and `**`). A null branch
 * skips the filters.
 */
export function triggeredBy(
  wf: WorkflowFile,
  event: string,
  branch: string | null,
): boolean {
  if (!Object.hasOwn(wf.on, event)) return false;
  const cfg = wf.on[event];
  if (branch === null || !cfg || typeof cfg !== 'object') return true;
  const match = (patterns: unknown[]) =>
    patterns.some(p => globRe(String(p)).test(branch));
  if (Array.isArray(cfg.branches)) return match(cfg.branches);
  if (Array.isArray(cfg['branches-ignore']))
    return !match(cfg['branches-ignore']);
  return true;
}

/** `on.workflow_dispatch.inputs`, or undefined when the workflow has no workflow_dispatch trigger. */
export function dispatchInputs(wf: WorkflowFile): WorkflowInput[] | undefined {
  if (!Object.hasOwn(wf.on, 'workflow_dispatch')) return undefined;
  const inputs = wf.on.workflow_dispatch?.inputs ?? {};
  return Object.entries(inputs).map(([name, d]: [string, any]) => ({
    name,
    required: !!d?.required,
    default: d?.default,
    type: typeof d?.type === 'string' ? d.type : 'string',
    options: Array.isArray(d?.options) ? d.options.map(String) : undefined,
  }));
}

/**
 * Evaluates the small subset of expressions the sandbox understands in `environment:`:
 * `${{ a || b || 'literal' }}` where the terms are `inputs.X`, `github.event.inputs.X` or quoted
 * literals. Anything else evaluates to an empty string.
 */
export function evalEnvironment(
  raw: string | null,
  inputs: Record<string, unknown>,
): string | null {
  if (raw === null) return null;
  const out = raw.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_m, expr: string) => {
    for (const term of expr.split('||').map(t => t.trim())) {
      const lit = /^'(.*)'$/.exec(term);
      if (lit) return lit[1];
      const inp = /^(?:github\.event\.)?inputs\.([\w-]+)$/.exec(term);
      if (inp && inputs[inp[1]] !== undefined && inputs[inp[1]] !== '')
        return String(inputs[inp[1]]);
    }
    return '';
  });
  return out.trim() || null;
}

/**
 * The failures a commit asks the simulated CI for. In the commit message: `[ci fail]` (every
 * job fails), `[ci fail: <job>]`, `[ci fail: <job>/<step name>]`, and `[ci flaky: …]` (the same,
 * but only on the first attempt, so that a re-run passes). The file `.sandbox/ci-fail` in the
 * commit's tree fails every job, unless it has `job: <job>[/<step name>]` lines: then only those.
 */
export function failRules(message: string, marker: string | null): FailRule[] {
  const rules: FailRule[] = [];
  const re = /\[ci (fail|flaky)(?::\s*([^\]]+))?\]/gi;
  for (const m of message.matchAll(re)) {
    rules.push(rule(m[2] ?? '', m[1].toLowerCase() === 'flaky'));
  }
  if (marker !== null) {
    // `job: <job>[/<step>]` lines target jobs; a file without such lines fails every job
    const targeted = marker
      .split('\n')
      .map(l => /^\s*job:\s*(.+?)\s*$/i.exec(l)?.[1])
      .filter((l): l is string => !!l);
    if (!targeted.length) rules.push(rule('', false));
    for (const l of targeted) rules.push(rule(l, false));
  }
  return rules;
}

/** The name of the step where `job` fails on `attempt`, or null when it passes. */
export function failingStep(
  rules: FailRule[],
  job: { key: string; name: string },
  stepNames: string[],
  attempt: number,
): string | null {
  const lc = (s: string) => s.toLowerCase();
  for (const r of rules) {
    if (r.flaky && attempt > 1) continue;
    if (r.job && lc(r.job) !== lc(job.key) && lc(r.job) !== lc(job.name))
      continue;
    // the user steps (not "Set up job" / "Complete job")
    const user = stepNames.slice(1, -1);
    const named = r.step ? user.find(s => lc(s) === lc(r.step!)) : undefined;
    return named ?? user[user.length - 1] ?? stepNames[0];
  }
  return null;
}

/** What a job's `if:` can look at. */
export type ExprContext = {
  event_name: string;
  ref_name: string;
  inputs: Record<string, unknown>;
  workflow_run?: Record<string, unknown>;
  /** Conclusions of the jobs the job needs. */
  needs: string[];
};

const lookup = (path: string, c: ExprContext): unknown => {
  const inp = /^(?:github\.event\.)?inputs\.([\w-]+)$/.exec(path);
  if (inp) return c.inputs[inp[1]] ?? '';
  if (path === 'github.event_name') return c.event_name;
  if (path === 'github.ref_name') return c.ref_name;
  if (path === 'github.ref') return `refs/heads/${c.ref_name}`;
  const wr = /^github\.event\.workflow_run\.([\w]+)$/.exec(path);
  if (wr) return c.workflow_run?.[wr[1]] ?? '';
  return undefined;
};

const operand = (t: string, c: ExprContext): unknown => {
  const lit = /^'(.*)'$/.exec(t);
  if (lit) return lit[1];
  if (t === 'true') return true;
  if (t === 'false') return false;
  return lookup(t, c);
};

/** One comparison or status function; undefined when the sandbox does not understand it. */
const atom = (raw: string, c: ExprContext): boolean | undefined => {
  let t = raw.trim().replace(/^\((.*)\)$/, '$1').trim();
  let negate = false;
  if (t.startsWith('!')) {
    negate = true;
    t = t.slice(1).trim();
  }
  let v: boolean | undefined;
  const cmp = /^(.+?)\s*(==|!=)\s*(.+)$/.exec(t);
  if (cmp) {
    const a = operand(cmp[1].trim(), c);
    const b = operand(cmp[3].trim(), c);
    if (a !== undefined && b !== undefined)
      v = cmp[2] === '==' ? String(a).toLowerCase() === String(b).toLowerCase() : String(a).toLowerCase() !== String(b).toLowerCase();
  } else if (t === 'always()') v = true;
  else if (t === 'success()') v = c.needs.every(n => n === 'success' || n === 'skipped');
  else if (t === 'failure()') v = c.needs.some(n => n === 'failure');
  else if (t === 'cancelled()') v = false;
  else {
    const x = operand(t, c);
    if (x !== undefined) v = !!x && x !== 'false';
  }
  return v === undefined ? undefined : v !== negate;
};

/**
 * Evaluates a job's `if:` (with or without `${{ }}`): `||` of `&&` of comparisons (`==`, `!=`)
 * between `github.event_name`, `github.ref_name`, `github.event.workflow_run.<field>`,
 * `inputs.<name>` and quoted literals, `!`, and `success()`, `failure()`, `always()`,
 * `cancelled()`. Parts it does not understand count as true. Without a status function the
 * job also needs its `needs` to have succeeded, as on GitHub.
 */
export function evalIf(raw: string | undefined, c: ExprContext): boolean {
  const base = c.needs.every(n => n === 'success' || n === 'skipped');
  if (raw === undefined || !raw.trim()) return base;
  const expr = raw.trim().replace(/^\$\{\{\s*([\s\S]*?)\s*\}\}$/, '$1');
  const status = /\b(always|failure|cancelled|success)\(\)/.test(expr);
  const value = expr
    .split('||')
    .some(or => or.split('&&').every(and => atom(and, c) ?? true));
  return status ? value : base && value;
}
