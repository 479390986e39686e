import YAML from 'yaml';

/**
 * A subset of Go's text/template with the Sprig/Helm functions charts use most, enough to
 * render simple service charts without a helm binary. Anything outside the subset (see
 * README.md beside this file) throws a {@link TemplateError} naming the template and line, so a
 * sync fails clearly instead of rendering something wrong.
 */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

// ---------------------------------------------------------------------------------------------
// Lexing: split the source into text and actions ({{ ... }}), applying trim markers.

type Chunk =
  | { type: 'text'; text: string }
  | { type: 'action'; src: string; line: number };

function chunk(name: string, src: string): Chunk[] {
  const out: Chunk[] = [];
  let i = 0;
  let trimNextText = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open === -1 ? src.slice(i) : src.slice(i, open);
    if (trimNextText) text = text.replace(/^\s+/, '');
    trimNextText = false;
    if (open === -1) {
      if (text) out.push({ type: 'text', text });
      break;
    }
    const line = src.slice(0, open).split('\n').length;
    let start = open + 2;
    if (/^-\s/.test(src.slice(start, start + 2))) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    if (text) out.push({ type: 'text', text });
    // find the closing braces outside string literals
    let j = start;
    let quote: string | undefined;
    for (; j < src.length; j++) {
      const c = src[j];
      if (quote) {
        if (c === '\\' && quote === '"') j++;
        else if (c === quote) quote = undefined;
        continue;
      }
      if (c === '"' || c === '`') quote = c;
      else if (c === '}' && src[j + 1] === '}') break;
    }
    if (j >= src.length) {
      throw new TemplateError(`template: ${name}:${line}: unclosed action`);
    }
    let end = j;
    if (/\s-$/.test(src.slice(start, end))) {
      end -= 1;
      trimNextText = true;
    }
    out.push({ type: 'action', src: src.slice(start, end).trim(), line });
    i = j + 2;
  }
  return out;
}

type Token =
  | { t: 'field'; path: string[] } // .a.b ("." alone: path [])
  | { t: 'var'; name: string; path: string[] } // $x.a ($ alone: name "$")
  | { t: 'ident'; name: string }
  | { t: 'string'; value: string }
  | { t: 'number'; value: number }
  | { t: 'bool'; value: boolean }
  | { t: 'nil' }
  | { t: 'pipe' }
  | { t: 'lparen' }
  | { t: 'rparen'; path: string[] } // ")" optionally followed by .field chain
  | { t: 'declare' } // :=
  | { t: 'assign' } // =
  | { t: 'comma' };

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
};

function tokenize(src: string, where: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fieldChain = (): string[] => {
    const path: string[] = [];
    while (src[i] === '.' && /[A-Za-z_]/.test(src[i + 1] ?? '')) {
      i++;
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      path.push(m[0]);
      i += m[0].length;
    }
    return path;
  };
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '|') {
      tokens.push({ t: 'pipe' });
      i++;
    } else if (c === '(') {
      tokens.push({ t: 'lparen' });
      i++;
    } else if (c === ')') {
      i++;
      tokens.push({ t: 'rparen', path: fieldChain() });
    } else if (c === ',') {
      tokens.push({ t: 'comma' });
      i++;
    } else if (c === ':' && src[i + 1] === '=') {
      tokens.push({ t: 'declare' });
      i += 2;
    } else if (c === '=') {
      tokens.push({ t: 'assign' });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      for (; j < src.length && src[j] !== '"'; j++) {
        if (src[j] === '\\') {
          j++;
          const e = src[j];
          s += ESCAPES[e] ?? e;
        } else s += src[j];
      }
      if (j >= src.length)
        throw new TemplateError(`${where}: unterminated quoted string`);
      tokens.push({ t: 'string', value: s });
      i = j + 1;
    } else if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j === -1)
        throw new TemplateError(`${where}: unterminated raw string`);
      tokens.push({ t: 'string', value: src.slice(i + 1, j) });
      i = j + 1;
    } else if (c === "'") {
      throw new TemplateError(
        `${where}: character constants are not supported by the sandbox Helm subset`,
      );
    } else if (c === '.') {
      if (/[A-Za-z_]/.test(src[i + 1] ?? '')) {
        tokens.push({ t: 'field', path: fieldChain() });
      } else {
        tokens.push({ t: 'field', path: [] });
        i++;
      }
    } else if (c === '$') {
      const m = /^\$[A-Za-z0-9_]*/.exec(src.slice(i))!;
      i += m[0].length;
      tokens.push({
        t: 'var',
        name: m[0] === '$' ? '$' : m[0],
        path: fieldChain(),
      });
    } else if (/[-+0-9]/.test(c) && /^[-+]?\d/.test(src.slice(i))) {
      const m = /^[-+]?(0x[0-9a-fA-F]+|\d+(\.\d+)?([eE][-+]?\d+)?)/.exec(
        src.slice(i),
      )!;
      tokens.push({ t: 'number', value: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      i += m[0].length;
      if (m[0] === 'true' || m[0] === 'false')
        tokens.push({ t: 'bool', value: m[0] === 'true' });
      else if (m[0] === 'nil') tokens.push({ t: 'nil' });
      else tokens.push({ t: 'ident', name: m[0] });
      if (src[i] === '.' && /[A-Za-z_]/.test(src[i + 1] ?? '')) {
        throw new TemplateError(
          `${where}: field access on a function result ("${m[0]}.") is not supported`,
        );
      }
    } else {
      throw new TemplateError(
        `${where}: unexpected character ${JSON.stringify(
          c,
        )} (not in the sandbox Helm subset)`,
      );
    }
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Parsing

type Operand =
  | { k: 'field'; path: string[] }
  | { k: 'var'; name: string; path: string[] }
  | { k: 'literal'; value: unknown }
  | { k: 'call'; name: string; args: Operand[] } // function identifier (args filled in commands)
  | { k: 'sub'; pipe: Pipeline; path: string[] };

type Command = Operand[]; // first operand is a function ident or a value (then no args)
type Pipeline = {
  decl?: { names: string[]; assign: boolean };
  commands: Command[];
  where: string;
};

type Node =
  | { n: 'text'; text: string }
  | { n: 'action'; pipe: Pipeline }
  | {
      n: 'if' | 'with';
      pipe: Pipeline;
      body: Node[];
      elseBody?: Node[];
    }
  | { n: 'range'; pipe: Pipeline; body: Node[]; elseBody?: Node[] }
  | { n: 'template'; name: string; pipe?: Pipeline; where: string }
  | { n: 'break' | 'continue' };

function parsePipeline(tokens: Token[], where: string): Pipeline {
  let pos = 0;
  let decl: Pipeline['decl'];
  // variable declaration: $x := ..., $i, $v := ...
  const declIdx = tokens.findIndex(t => t.t === 'declare' || t.t === 'assign');
  if (
    declIdx > 0 &&
    tokens.slice(0, declIdx).every(t => t.t === 'var' || t.t === 'comma')
  ) {
    const names = tokens
      .slice(0, declIdx)
      .filter(t => t.t === 'var')
      .map(t => (t as { name: string }).name);
    decl = { names, assign: tokens[declIdx].t === 'assign' };
    pos = declIdx + 1;
  }
  const parseUntil = (stopAtRparen: boolean): Command[] => {
    const commands: Command[] = [];
    let cmd: Command = [];
    while (pos < tokens.length) {
      const tok = tokens[pos];
      if (tok.t === 'rparen') {
        if (!stopAtRparen) throw new TemplateError(`${where}: unexpected ")"`);
        break;
      }
      pos++;
      switch (tok.t) {
        case 'pipe':
          if (!cmd.length)
            throw new TemplateError(`${where}: missing command before "|"`);
          commands.push(cmd);
          cmd = [];
          break;
        case 'field':
          cmd.push({ k: 'field', path: tok.path });
          break;
        case 'var':
          cmd.push({ k: 'var', name: tok.name, path: tok.path });
          break;
        case 'string':
        case 'number':
        case 'bool':
          cmd.push({ k: 'literal', value: tok.value });
          break;
        case 'nil':
          cmd.push({ k: 'literal', value: null });
          break;
        case 'ident':
          cmd.push({ k: 'call', name: tok.name, args: [] });
          break;
        case 'lparen': {
          const inner = parseUntil(true);
          const close = tokens[pos];
          if (!close || close.t !== 'rparen')
            throw new TemplateError(`${where}: unclosed "("`);
          pos++;
          cmd.push({
            k: 'sub',
            pipe: { commands: inner, where },
            path: close.path,
          });
          break;
        }
        default:
          throw new TemplateError(
            `${where}: unexpected ${tok.t} in pipeline (not in the sandbox Helm subset)`,
          );
      }
    }
    if (cmd.length) commands.push(cmd);
    return commands;
  };
  const commands = parseUntil(false);
  if (!commands.length)
    throw new TemplateError(`${where}: missing value for command`);
  return { decl, commands, where };
}

const UNSUPPORTED_KEYWORDS = new Set(['block']);

function parse(
  name: string,
  src: string,
  defines: Map<string, Node[]>,
): Node[] {
  const chunks = chunk(name, src);
  let pos = 0;
  // returns the nodes and the keyword that ended the list (end / else ...)
  // eslint-disable-next-line prefer-const
  let parseBranches: (
    kw: 'if' | 'with' | 'range',
    pipe: Pipeline,
    where: string,
  ) => Node;
  const parseList = (
    terminators: string[],
  ): { nodes: Node[]; end?: { kw: string; rest: string; line: number } } => {
    const nodes: Node[] = [];
    while (pos < chunks.length) {
      const c = chunks[pos++];
      if (c.type === 'text') {
        nodes.push({ n: 'text', text: c.text });
        continue;
      }
      const where = `template: ${name}:${c.line}`;
      const src2 = c.src;
      if (src2.startsWith('/*')) {
        if (!src2.endsWith('*/'))
          throw new TemplateError(`${where}: unclosed comment`);
        continue;
      }
      const kwMatch = /^([A-Za-z_]+)\b\s*([\s\S]*)$/.exec(src2);
      const kw = kwMatch?.[1];
      const rest = kwMatch?.[2] ?? '';
      if (kw && terminators.includes(kw)) {
        return { nodes, end: { kw, rest, line: c.line } };
      }
      if (kw === 'end' || kw === 'else') {
        throw new TemplateError(`${where}: unexpected {{${kw}}}`);
      }
      if (kw && UNSUPPORTED_KEYWORDS.has(kw)) {
        throw new TemplateError(
          `${where}: "{{${kw}}}" is not supported by the sandbox Helm subset`,
        );
      }
      if (kw === 'if' || kw === 'with' || kw === 'range') {
        const pipe = parsePipeline(tokenize(rest, where), where);
        const node = parseBranches(kw, pipe, where);
        nodes.push(node);
        continue;
      }
      if (kw === 'define') {
        const toks = tokenize(rest, where);
        if (toks.length !== 1 || toks[0].t !== 'string')
          throw new TemplateError(`${where}: define needs a quoted name`);
        const body = parseList(['end']);
        if (!body.end)
          throw new TemplateError(`${where}: unexpected EOF in define`);
        defines.set(toks[0].value, body.nodes);
        continue;
      }
      if (kw === 'template') {
        const toks = tokenize(rest, where);
        if (!toks.length || toks[0].t !== 'string')
          throw new TemplateError(`${where}: template needs a quoted name`);
        nodes.push({
          n: 'template',
          name: toks[0].value,
          pipe:
            toks.length > 1 ? parsePipeline(toks.slice(1), where) : undefined,
          where,
        });
        continue;
      }
      if (kw === 'break' || kw === 'continue') {
        if (rest.trim())
          throw new TemplateError(`${where}: unexpected after ${kw}`);
        nodes.push({ n: kw });
        continue;
      }
      nodes.push({
        n: 'action',
        pipe: parsePipeline(tokenize(src2, where), where),
      });
    }
    return { nodes };
  };
  parseBranches = (
    kw: 'if' | 'with' | 'range',
    pipe: Pipeline,
    where: string,
  ): Node => {
    const body = parseList(['end', 'else']);
    if (!body.end)
      throw new TemplateError(`${where}: unexpected EOF (missing {{end}})`);
    let elseBody: Node[] | undefined;
    if (body.end.kw === 'else') {
      const rest = body.end.rest.trim();
      const elseWhere = `template: ${name}:${body.end.line}`;
      if (rest.startsWith('if ') || rest.startsWith('with ')) {
        const kw2 = rest.startsWith('if ') ? 'if' : 'with';
        if (kw2 !== kw)
          throw new TemplateError(
            `${elseWhere}: "else ${kw2}" inside ${kw} is not supported by the sandbox Helm subset`,
          );
        const pipe2 = parsePipeline(
          tokenize(rest.slice(kw2.length), elseWhere),
          elseWhere,
        );
        // `else if` chains share the outer {{end}}
        elseBody = [parseBranches(kw2, pipe2, elseWhere)];
      } else {
        if (rest)
          throw new TemplateError(
            `${elseWhere}: unexpected "${rest}" after else`,
          );
        const e = parseList(['end']);
        if (!e.end)
          throw new TemplateError(`${where}: unexpected EOF (missing {{end}})`);
        elseBody = e.nodes;
      }
    } else if (body.end.rest.trim()) {
      throw new TemplateError(
        `${where}: unexpected "${body.end.rest}" after end`,
      );
    }
    return kw === 'range'
      ? { n: 'range', pipe, body: body.nodes, elseBody }
      : { n: kw, pipe, body: body.nodes, elseBody };
  };
  const top = parseList([]);
  return top.nodes;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

const MISSING = undefined;

class BreakSignal {
  constructor(readonly kind: 'break' | 'continue') {}
}

type Scope = { vars: Array<Map<string, unknown>> };

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

function toYaml(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  const out = YAML.stringify(v, {
    sortMapEntries: true,
    lineWidth: 0,
    indentSeq: true,
  });
  return out.replace(/\n$/, '');
}

function indent(n: number, s: unknown): string {
  const pad = ' '.repeat(n);
  return pad + printValue(s).replace(/\n/g, `\n${pad}`);
}

function sprintf(format: string, args: unknown[]): string {
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

function goTypeName(a: unknown): string {
  if (typeof a === 'string') return 'string';
  if (typeof a === 'number') return Number.isInteger(a) ? 'int' : 'float64';
  if (typeof a === 'boolean') return 'bool';
  if (Array.isArray(a)) return '[]interface {}';
  if (a && typeof a === 'object') return 'map[string]interface {}';
  return '<nil>';
}

function rangeEntries(v: unknown, where: string): Array<[unknown, unknown]> {
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

function isEmpty(v: unknown) {
  return !isTruthy(v);
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !isNaN(Number(v)))
    return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return 0;
}

export type TemplateFunction = (...args: any[]) => unknown;

/** Parsed templates sharing `define`s, rendered with Helm's top-level object as `.`. */
export class TemplateSet {
  readonly defines = new Map<string, Node[]>();
  readonly files = new Map<string, Node[]>();
  readonly functions: Record<string, TemplateFunction>;
  #depth = 0;

  constructor() {
    const renderDefine = (name: string, data: unknown) =>
      this.renderDefine(name, data);
    this.functions = {
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
        return prefix && str.startsWith(prefix)
          ? str.slice(prefix.length)
          : str;
      },
      trim: (s: unknown) => printValue(s).trim(),
      lower: (s: unknown) => printValue(s).toLowerCase(),
      upper: (s: unknown) => printValue(s).toUpperCase(),
      title: (s: unknown) =>
        printValue(s).replace(/\b\w/g, c => c.toUpperCase()),
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

  /** Parses a template file; its defines become available to every file. */
  add(name: string, src: string) {
    this.files.set(name, parse(name, src, this.defines));
  }

  render(name: string, data: unknown): string {
    const nodes = this.files.get(name);
    if (!nodes)
      throw new TemplateError(`template: no template ${JSON.stringify(name)}`);
    return this.exec(nodes, data, { vars: [new Map([['$', data]])] });
  }

  renderDefine(name: string, data: unknown): string {
    const nodes = this.defines.get(name);
    if (!nodes)
      throw new TemplateError(
        `template: no template ${JSON.stringify(
          name,
        )} associated with template "gotpl"`,
      );
    if (++this.#depth > 100) {
      this.#depth = 0;
      throw new TemplateError(`template: ${name}: include nesting too deep`);
    }
    try {
      return this.exec(nodes, data, { vars: [new Map([['$', data]])] });
    } finally {
      this.#depth--;
    }
  }

  private exec(nodes: Node[], dot: unknown, scope: Scope): string {
    let out = '';
    scope.vars.push(new Map());
    try {
      for (const node of nodes) out += this.execNode(node, dot, scope);
    } finally {
      scope.vars.pop();
    }
    return out;
  }

  private execNode(node: Node, dot: unknown, scope: Scope): string {
    switch (node.n) {
      case 'text':
        return node.text;
      case 'action': {
        const v = this.evalPipeline(node.pipe, dot, scope);
        return node.pipe.decl ? '' : printValue(v);
      }
      case 'if': {
        const v = this.evalPipeline(node.pipe, dot, scope);
        if (isTruthy(v)) return this.exec(node.body, dot, scope);
        return node.elseBody ? this.exec(node.elseBody, dot, scope) : '';
      }
      case 'with': {
        const v = this.evalPipeline(node.pipe, dot, scope);
        if (isTruthy(v)) return this.exec(node.body, v, scope);
        return node.elseBody ? this.exec(node.elseBody, dot, scope) : '';
      }
      case 'range': {
        const decl = node.pipe.decl;
        const v = this.evalPipeline(
          { ...node.pipe, decl: undefined },
          dot,
          scope,
        );
        const entries = rangeEntries(v, node.pipe.where);
        if (!entries.length)
          return node.elseBody ? this.exec(node.elseBody, dot, scope) : '';
        let out = '';
        for (const [k, x] of entries) {
          const frame = new Map<string, unknown>();
          if (decl?.names.length === 1) frame.set(decl.names[0], x);
          else if (decl?.names.length === 2) {
            frame.set(decl.names[0], k);
            frame.set(decl.names[1], x);
          }
          scope.vars.push(frame);
          try {
            out += this.exec(node.body, x, scope);
          } catch (e) {
            if (e instanceof BreakSignal) {
              if (e.kind === 'break') break;
              continue;
            }
            throw e;
          } finally {
            scope.vars.pop();
          }
        }
        return out;
      }
      case 'template': {
        const data = node.pipe
          ? this.evalPipeline(node.pipe, dot, scope)
          : undefined;
        return this.renderDefine(node.name, data);
      }
      case 'break':
      case 'continue':
        throw new BreakSignal(node.n);
      default:
        return '';
    }
  }

  private lookupVar(name: string, scope: Scope, where: string): unknown {
    for (let i = scope.vars.length - 1; i >= 0; i--) {
      if (scope.vars[i].has(name)) return scope.vars[i].get(name);
    }
    throw new TemplateError(`${where}: undefined variable "${name}"`);
  }

  private evalPipeline(pipe: Pipeline, dot: unknown, scope: Scope): unknown {
    let value: unknown = MISSING;
    let first = true;
    for (const cmd of pipe.commands) {
      value = this.evalCommand(
        cmd,
        dot,
        scope,
        pipe.where,
        first ? [] : [value],
      );
      first = false;
    }
    if (pipe.decl) {
      const [varName] = pipe.decl.names;
      if (pipe.decl.assign) {
        for (let i = scope.vars.length - 1; i >= 0; i--) {
          if (scope.vars[i].has(varName)) {
            scope.vars[i].set(varName, value);
            return value;
          }
        }
        throw new TemplateError(
          `${pipe.where}: undefined variable "${varName}"`,
        );
      }
      scope.vars[scope.vars.length - 1].set(varName, value);
    }
    return value;
  }

  private evalCommand(
    cmd: Command,
    dot: unknown,
    scope: Scope,
    where: string,
    piped: unknown[],
  ): unknown {
    const [head, ...rest] = cmd;
    if (head.k === 'call') {
      const name = head.name;
      if (name === 'and' || name === 'or') {
        // lazy like Go 1.18+
        const args = [
          ...rest.map(a => () => this.evalOperand(a, dot, scope, where)),
          ...piped.map(p => () => p),
        ];
        let last: unknown;
        for (const a of args) {
          last = a();
          if (name === 'and' ? !isTruthy(last) : isTruthy(last)) return last;
        }
        return last;
      }
      const fn = this.functions[name];
      if (!fn) {
        throw new TemplateError(
          `${where}: function "${name}" not defined (not in the sandbox Helm subset)`,
        );
      }
      const args = [
        ...rest.map(a => this.evalOperand(a, dot, scope, where)),
        ...piped,
      ];
      try {
        return fn(...args);
      } catch (e) {
        if (e instanceof TemplateError) {
          if (e.message.startsWith('template:')) throw e;
          throw new TemplateError(`${where}: ${e.message}`);
        }
        throw new TemplateError(
          `${where}: error calling ${name}: ${(e as Error).message}`,
        );
      }
    }
    if (rest.length || piped.length) {
      throw new TemplateError(
        `${where}: can't give argument to non-function ${describe(head)}`,
      );
    }
    return this.evalOperand(head, dot, scope, where);
  }

  private evalOperand(
    op: Operand,
    dot: unknown,
    scope: Scope,
    where: string,
  ): unknown {
    switch (op.k) {
      case 'literal':
        return op.value;
      case 'field':
        return walk(dot, op.path, where, '.');
      case 'var':
        return walk(
          this.lookupVar(op.name, scope, where),
          op.path,
          where,
          op.name,
        );
      case 'sub':
        return walk(
          this.evalPipeline(op.pipe, dot, scope),
          op.path,
          where,
          '(...)',
        );
      case 'call':
        return this.evalCommand([op], dot, scope, where, []);
      default:
        return undefined;
    }
  }
}

function describe(op: Operand): string {
  switch (op.k) {
    case 'field':
      return `.${op.path.join('.')}`;
    case 'var':
      return [op.name, ...op.path].join('.');
    case 'literal':
      return JSON.stringify(op.value);
    default:
      return op.k;
  }
}

function walk(
  v: unknown,
  path: string[],
  where: string,
  base: string,
): unknown {
  let cur = v;
  for (let i = 0; i < path.length; i++) {
    if (cur === undefined || cur === null) {
      // Go: a missing map key yields <no value>; a field of nil is an error.
      throw new TemplateError(
        `${where}: nil pointer evaluating interface {}.${path[i]} (at ${base}${
          i ? `.${path.slice(0, i).join('.')}` : ''
        })`,
      );
    }
    if (typeof cur !== 'object' || Array.isArray(cur)) {
      throw new TemplateError(
        `${where}: can't evaluate field ${path[i]} in type ${
          Array.isArray(cur) ? '[]interface {}' : typeof cur
        }`,
      );
    }
    cur = (cur as Record<string, unknown>)[path[i]];
  }
  return cur;
}
