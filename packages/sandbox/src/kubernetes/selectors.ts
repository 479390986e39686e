import { ClusterError, type KubeObject } from '../core/cluster';

/** One requirement of a label selector (`a=b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`). */
export type LabelRequirement = {
  key: string;
  op: 'in' | 'notin' | 'exists' | 'notexists';
  values: string[];
};

const KEY_RE =
  /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;

function badSelector(message: string): ClusterError {
  return new ClusterError(400, 'BadRequest', message);
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map(x => x.trim()).filter(x => x.length > 0);
}

/** Parses Kubernetes label selector syntax; throws a 400 BadRequest ClusterError when malformed. */
export function parseLabelSelector(
  selector: string | undefined,
): LabelRequirement[] {
  if (!selector || !selector.trim()) return [];
  const reqs: LabelRequirement[] = [];
  for (const part of splitTopLevel(selector)) {
    const set = part.match(/^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/);
    const eq = set ? null : part.match(/^([^!=\s]+)\s*(==|!=|=)\s*(\S*)$/);
    const not = set || eq ? null : part.match(/^!\s*(\S+)$/);
    const exists = set || eq || not ? null : part.match(/^(\S+)$/);
    if (set) {
      const values = set[3]
        .split(',')
        .map(v => v.trim())
        .filter(Boolean);
      reqs.push({ key: set[1], op: set[2] as 'in' | 'notin', values });
    } else if (eq) {
      reqs.push({
        key: eq[1],
        op: eq[2] === '!=' ? 'notin' : 'in',
        values: [eq[3]],
      });
    } else if (not) {
      reqs.push({ key: not[1], op: 'notexists', values: [] });
    } else if (exists) {
      reqs.push({ key: exists[1], op: 'exists', values: [] });
    } else {
      throw badSelector(
        `unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, gt, lt`,
      );
    }
    const key = reqs[reqs.length - 1].key;
    if (!KEY_RE.test(key))
      throw badSelector(
        `unable to parse requirement: invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.'`,
      );
  }
  return reqs;
}

/** A structured `LabelSelector` (matchLabels/matchExpressions) as requirements. */
export function labelSelectorFromObject(sel: any): LabelRequirement[] {
  const reqs: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(sel?.matchLabels ?? {}))
    reqs.push({ key, op: 'in', values: [String(value)] });
  for (const e of sel?.matchExpressions ?? []) {
    const ops: Record<string, LabelRequirement['op']> = {
      in: 'in',
      notin: 'notin',
      exists: 'exists',
      doesnotexist: 'notexists',
    };
    reqs.push({
      key: e.key,
      op: ops[String(e.operator).toLowerCase()] ?? 'notexists',
      values: (e.values ?? []).map(String),
    });
  }
  return reqs;
}

/** `a=b,c in (d,e)` for a structured selector (what Scale.status.selector shows). */
export function labelSelectorToString(sel: any): string {
  return labelSelectorFromObject(sel)
    .map(r => {
      switch (r.op) {
        case 'in':
          return r.values.length === 1
            ? `${r.key}=${r.values[0]}`
            : `${r.key} in (${r.values.join(',')})`;
        case 'notin':
          return `${r.key} notin (${r.values.join(',')})`;
        case 'exists':
          return r.key;
        default:
          return `!${r.key}`;
      }
    })
    .join(',');
}

export function matchesLabels(
  labels: Record<string, string> | undefined,
  reqs: LabelRequirement[],
): boolean {
  for (const r of reqs) {
    const has = labels !== undefined && Object.hasOwn(labels, r.key);
    const v = has ? labels![r.key] : undefined;
    switch (r.op) {
      case 'in':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v!)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case 'notexists':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

export type FieldRequirement = { path: string; op: '=' | '!='; value: string };

export function parseFieldSelector(
  selector: string | undefined,
): FieldRequirement[] {
  if (!selector || !selector.trim()) return [];
  return splitTopLevel(selector).map(part => {
    const m = part.match(/^([^!=\s]+)\s*(==|!=|=)\s*(.*)$/);
    if (!m)
      throw badSelector(
        `invalid selector: '${selector}'; can't understand '${part}'`,
      );
    return { path: m[1], op: m[2] === '!=' ? '!=' : '=', value: m[3].trim() };
  });
}

function fieldValue(obj: KubeObject, path: string): string {
  let cur: any = obj;
  for (const seg of path.split('.')) {
    if (cur === undefined || cur === null) return '';
    cur = cur[seg];
  }
  if (cur === undefined || cur === null) return '';
  return String(cur);
}

export function matchesFields(
  obj: KubeObject,
  reqs: FieldRequirement[],
): boolean {
  for (const r of reqs) {
    const v = fieldValue(obj, r.path);
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}
