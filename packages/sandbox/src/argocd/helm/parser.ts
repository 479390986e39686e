import { TemplateError } from './errors';
import { chunk, tokenize, type Token } from './lexer';

// ---------------------------------------------------------------------------------------------
// Parsing

export type Operand =
  | { k: 'field'; path: string[] }
  | { k: 'var'; name: string; path: string[] }
  | { k: 'literal'; value: unknown }
  | { k: 'call'; name: string; args: Operand[] } // function identifier (args filled in commands)
  | { k: 'sub'; pipe: Pipeline; path: string[] };

export type Command = Operand[]; // first operand is a function ident or a value (then no args)
export type Pipeline = {
  decl?: { names: string[]; assign: boolean };
  commands: Command[];
  where: string;
};

export type Node =
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

export function parse(
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
