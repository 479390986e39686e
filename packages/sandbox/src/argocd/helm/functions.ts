import { TemplateError } from './errors';
import {
  deepEqual,
  indent,
  isEmpty,
  isTruthy,
  num,
  printValue,
  sprintf,
  toYaml,
} from './values';

export type TemplateFunction = (...args: any[]) => unknown;

/** The Go template builtins and Sprig/Helm functions of the subset; `include` renders a define. */
export function builtinFunctions(
  renderDefine: (name: string, data: unknown) => string,
): Record<string, TemplateFunction> {
  return {
    quote: (...a: unknown[]) =>
      a
        .map(x =>
          JSON.stringify(x === undefined || x === null ? '' : printValue(x)),
        )
        .join(' '),
    squote: (...a: unknown[]) =>
      a
        .map(x => `'${x === undefined || x === null ? '' : printValue(x)}'`)
        .join(' '),
    default: (d: unknown, v?: unknown) => (isEmpty(v) ? d : v),
    required: (msg: string, v?: unknown) => {
      if (v === undefined || v === null || v === '')
        throw new TemplateError(`execution error: ${msg}`);
      return v;
    },
    empty: isEmpty,
    coalesce: (...a: unknown[]) => a.find(x => !isEmpty(x)),
    ternary: (t: unknown, f: unknown, c: unknown) => (isTruthy(c) ? t : f),
    toYaml,
    toJson: (v: unknown) => JSON.stringify(v ?? null),
    toString: (v: unknown) => printValue(v),
    int: (v: unknown) => Math.trunc(num(v)),
    int64: (v: unknown) => Math.trunc(num(v)),
    float64: (v: unknown) => num(v),
    nindent: (n: number, s: unknown) => `\n${indent(n, s)}`,
    indent: (n: number, s: unknown) => indent(n, s),
    trunc: (n: number, s: unknown) => {
      const str = printValue(s);
      if (n >= 0) return str.length > n ? str.slice(0, n) : str;
      return str.length > -n ? str.slice(str.length + n) : str;
    },
    trimSuffix: (suffix: string, s: unknown) => {
      const str = printValue(s);
      return suffix && str.endsWith(suffix)
        ? str.slice(0, -suffix.length)
        : str;
    },
    trimPrefix: (prefix: string, s: unknown) => {
      const str = printValue(s);
      return prefix && str.startsWith(prefix) ? str.slice(prefix.length) : str;
    },
    trim: (s: unknown) => printValue(s).trim(),
    lower: (s: unknown) => printValue(s).toLowerCase(),
    upper: (s: unknown) => printValue(s).toUpperCase(),
    title: (s: unknown) => printValue(s).replace(/\b\w/g, c => c.toUpperCase()),
    replace: (old: string, neu: string, s: unknown) =>
      printValue(s).split(old).join(neu),
    contains: (sub: string, s: unknown) => printValue(s).includes(sub),
    hasPrefix: (p: string, s: unknown) => printValue(s).startsWith(p),
    hasSuffix: (p: string, s: unknown) => printValue(s).endsWith(p),
    printf: (format: string, ...args: unknown[]) => sprintf(format, args),
    print: (...args: unknown[]) => args.map(printValue).join(''),
    println: (...args: unknown[]) => `${args.map(printValue).join(' ')}\n`,
    b64enc: (s: unknown) => Buffer.from(printValue(s)).toString('base64'),
    b64dec: (s: unknown) => Buffer.from(printValue(s), 'base64').toString(),
    list: (...a: unknown[]) => a,
    dict: (...a: unknown[]) => {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < a.length; i += 2) o[printValue(a[i])] = a[i + 1];
      return o;
    },
    hasKey: (m: unknown, k: string) =>
      !!m &&
      typeof m === 'object' &&
      Object.prototype.hasOwnProperty.call(m, k),
    len: (v: unknown) => {
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (v && typeof v === 'object') return Object.keys(v).length;
      throw new TemplateError(`error calling len: len of type ${typeof v}`);
    },
    eq: (a: unknown, ...bs: unknown[]) => bs.some(b => deepEqual(a, b)),
    ne: (a: unknown, b: unknown) => !deepEqual(a, b),
    lt: (a: unknown, b: unknown) => (a as any) < (b as any),
    le: (a: unknown, b: unknown) => (a as any) <= (b as any),
    gt: (a: unknown, b: unknown) => (a as any) > (b as any),
    ge: (a: unknown, b: unknown) => (a as any) >= (b as any),
    not: (a: unknown) => !isTruthy(a),
    // and/or are evaluated lazily in evalCommand; these are used only when piped
    and: (...a: unknown[]) => a.find(x => !isTruthy(x)) ?? a[a.length - 1],
    or: (...a: unknown[]) => a.find(x => isTruthy(x)) ?? a[a.length - 1],
    add: (...a: unknown[]) => a.reduce((s: number, x) => s + num(x), 0),
    sub: (a: unknown, b: unknown) => num(a) - num(b),
    mul: (...a: unknown[]) => a.reduce((s: number, x) => s * num(x), 1),
    div: (a: unknown, b: unknown) => Math.trunc(num(a) / num(b)),
    keys: (m: unknown) => Object.keys((m as object) ?? {}),
    include: renderDefine,
    tpl: () => {
      throw new TemplateError(
        'function "tpl" is not supported by the sandbox Helm subset',
      );
    },
  };
}
