import { TemplateError } from './errors';

// ---------------------------------------------------------------------------------------------
// Lexing: split the source into text and actions ({{ ... }}), applying trim markers.

export type Chunk =
  | { type: 'text'; text: string }
  | { type: 'action'; src: string; line: number };

export function chunk(name: string, src: string): Chunk[] {
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

export type Token =
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

export function tokenize(src: string, where: string): Token[] {
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
