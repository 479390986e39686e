import {
  CST,
  Composer,
  Document,
  Parser,
  isMap,
  isNode,
  isPair,
  isScalar,
  parse,
  visit,
  type ParsedNode,
  type Scalar,
} from 'yaml';
import { InputError } from '@backstage/errors';

type Parsed = {
  docs: Document.Parsed<ParsedNode>[];
  tokens: CST.Token[];
};

function parseWithTokens(text: string, path?: string): Parsed {
  const tokens = Array.from(new Parser().parse(text));
  const docs = Array.from(
    new Composer({ keepSourceTokens: true }).compose(tokens, true, text.length),
  ) as Document.Parsed<ParsedNode>[];
  for (const doc of docs) {
    if (doc.errors.length) {
      const e = doc.errors[0];
      throw new InputError(
        `Invalid YAML${path ? ` in ${path}` : ''}: ${e.message.split('\n')[0]}`,
      );
    }
  }
  return { docs, tokens };
}

function nodesWithSource(docs: Document[]) {
  const scalars = new Map<Scalar, unknown>();
  let sourced = 0;
  let unsourced = 0;
  docs.forEach(doc =>
    visit(doc, (_key, node) => {
      if (isPair(node)) {
        // a plain JS value set through the Document API (not yet a node)
        if (node.value !== null && !isNode(node.value)) unsourced++;
        return;
      }
      if (!isNode(node)) return;
      if ((node as { srcToken?: unknown }).srcToken) sourced++;
      else unsourced++;
      if (isScalar(node)) scalars.set(node, node.value);
    }),
  );
  return { scalars, sourced, unsourced };
}

/**
 * Edits a (multi-document) YAML text with the `yaml` Document API. When the edit only changes
 * values of existing scalars (the usual patch: a memory limit, replicas, an image tag), the
 * rest of the text is kept byte for byte (comments, spacing, quoting); otherwise the Documents
 * are re-serialised, which keeps comments and key order. `edit` receives every document and
 * changes them in place (`doc.setIn`, `doc.getIn`, …). Returns the new text.
 * @public
 */
export function editYamlDocuments(
  text: string,
  edit: (docs: Document.Parsed<ParsedNode>[]) => void,
  path?: string,
): string {
  const { docs, tokens } = parseWithTokens(text, path);
  const before = nodesWithSource(docs);
  edit(docs);
  const after = nodesWithSource(docs);
  if (after.unsourced > 0 || after.sourced !== before.sourced) {
    return stringifyYamlDocuments(docs);
  }
  for (const [node, original] of before.scalars) {
    if (node.value === original) continue;
    const token = (node as { srcToken?: CST.Token }).srcToken;
    if (!token) return stringifyYamlDocuments(docs);
    const value = node.value;
    const str = value === null ? 'null' : String(value);
    // a string that would read back as another type (or not at all) gets quotes
    let plainSafe = false;
    if (typeof value === 'string') {
      try {
        plainSafe = !/[\n]/.test(str) && parse(`k: ${str}`)?.k === value;
      } catch {
        plainSafe = false;
      }
    }
    let type: Scalar.Type | undefined = 'PLAIN';
    if (typeof value === 'string') type = plainSafe ? undefined : 'QUOTE_DOUBLE';
    CST.setScalarValue(token, str, { type });
  }
  return tokens.map(t => CST.stringify(t)).join('');
}

/** Parses YAML into Documents; a syntax error is an `InputError` naming the file. @public */
export function parseYamlDocuments(
  text: string,
  path?: string,
): Document.Parsed<ParsedNode>[] {
  return parseWithTokens(text, path).docs;
}

/** Serialises Documents back, separated by `---` as in the input. @public */
export function stringifyYamlDocuments(docs: Document[]): string {
  return docs
    .map((d, i) => {
      const s = d.toString({ lineWidth: 0 });
      if (i === 0 && !d.directives?.docStart) return s;
      return s.startsWith('---') ? s : `---\n${s}`;
    })
    .join('');
}

/**
 * Finds the document whose `kind` (and optionally `metadata.name`) match, e.g. the Deployment
 * in a multi-document manifest.
 * @public
 */
export function findYamlDocument<T extends Document>(
  docs: T[],
  match: { kind: string; name?: string },
): T | undefined {
  return docs.find(
    d =>
      isMap(d.contents) &&
      d.get('kind') === match.kind &&
      (match.name === undefined || d.getIn(['metadata', 'name']) === match.name),
  );
}
