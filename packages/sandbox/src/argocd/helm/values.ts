import YAML from 'yaml';
import { TemplateError } from './errors';

// Go/Sprig value semantics shared by the evaluator and the functions.

export function isTruthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false) return false;
  if (v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

/** How Go's fmt prints a value in a template ({{ . }}). */
export function printValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(printValue).join(' ')}]`;
  if (typeof v === 'object') {
    const keys = Object.keys(v as object).sort();
    return `map[${keys
      .map(k => `${k}:${printValue((v as any)[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}

export function toYaml(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  const out = YAML.stringify(v, {
    sortMapEntries: true,
    lineWidth: 0,
    indentSeq: true,
  });
  return out.replace(/\n$/, '');
}

export function indent(n: number, s: unknown): string {
  const pad = ' '.repeat(n);
  return pad + printValue(s).replace(/\n/g, `\n${pad}`);
}

export function sprintf(format: string, args: unknown[]): string {
  let i = 0;
  return format.replace(
    /%([-+ 0#]*)(\d+)?(?:\.(\d+))?([sdvqtfxXT%])/g,
    (_m, flags: string, width: string, prec: string, verb: string) => {
      if (verb === '%') return '%';
      const a = args[i++];
      let s: string;
      switch (verb) {
        case 'd':
          s = String(Math.trunc(Number(a)));
          break;
        case 'f':
          s = Number(a).toFixed(prec ? Number(prec) : 6);
          break;
        case 'q':
          s = JSON.stringify(printValue(a));
          break;
        case 'x':
        case 'X':
          s =
            typeof a === 'number'
              ? a.toString(16)
              : Buffer.from(printValue(a)).toString('hex');
          if (verb === 'X') s = s.toUpperCase();
          break;
        case 't':
          s = String(Boolean(a));
          break;
        case 'T':
          s = goTypeName(a);
          break;
        default:
          s = a === undefined || a === null ? '<nil>' : printValue(a);
      }
      if (width && s.length < Number(width)) {
        s = flags.includes('-')
          ? s.padEnd(Number(width))
          : s.padStart(Number(width), flags.includes('0') ? '0' : ' ');
      }
      return s;
    },
  );
}

export function goTypeName(a: unknown): string {
  if (typeof a === 'string') return 'string';
  if (typeof a === 'number') return Number.isInteger(a) ? 'int' : 'float64';
  if (typeof a === 'boolean') return 'bool';
  if (Array.isArray(a)) return '[]interface {}';
  if (a && typeof a === 'object') return 'map[string]interface {}';
  return '<nil>';
}

export function rangeEntries(
  v: unknown,
  where: string,
): Array<[unknown, unknown]> {
  if (Array.isArray(v)) return v.map((x, i) => [i, x]);
  if (v && typeof v === 'object')
    return Object.keys(v)
      .sort()
      .map(k => [k, (v as any)[k]]);
  if (typeof v === 'number')
    return Array.from({ length: v }, (_x, i) => [i, i]);
  if (v === undefined || v === null) return [];
  throw new TemplateError(
    `${where}: range can't iterate over ${printValue(v)}`,
  );
}

export function isEmpty(v: unknown) {
  return !isTruthy(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !isNaN(Number(v)))
    return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return 0;
}
