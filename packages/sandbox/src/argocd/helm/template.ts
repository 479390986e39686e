/**
 * The template set: parsed files and defines, evaluated with Go text/template semantics.
 * Pipeline: lexer.ts (chunks and tokens) → parser.ts (node tree) → this file (evaluation), with
 * functions.ts (builtins) and values.ts (Go value semantics).
 */
import { TemplateError } from './errors';
import { builtinFunctions, type TemplateFunction } from './functions';
import {
  parse,
  type Command,
  type Node,
  type Operand,
  type Pipeline,
} from './parser';
import { isTruthy, printValue, rangeEntries } from './values';

export { TemplateError } from './errors';
export type { TemplateFunction } from './functions';
export { isTruthy, printValue } from './values';

// ---------------------------------------------------------------------------------------------
// Evaluation

const MISSING = undefined;

class BreakSignal {
  constructor(readonly kind: 'break' | 'continue') {}
}

type Scope = { vars: Array<Map<string, unknown>> };

/** Parsed templates sharing `define`s, rendered with Helm's top-level object as `.`. */
export class TemplateSet {
  readonly defines = new Map<string, Node[]>();
  readonly files = new Map<string, Node[]>();
  readonly functions: Record<string, TemplateFunction>;
  #depth = 0;

  constructor() {
    const renderDefine = (name: string, data: unknown) =>
      this.renderDefine(name, data);
    this.functions = builtinFunctions(renderDefine);
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
