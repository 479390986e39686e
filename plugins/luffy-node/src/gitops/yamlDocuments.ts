import { Document, isMap, parseAllDocuments, type ParsedNode } from 'yaml';
import { InputError } from '@backstage/errors';

/**
 * Edits a (multi-document) YAML text with the `yaml` Document API, keeping comments, key order
 * and formatting of everything the edit does not touch. `edit` receives every document and
 * changes them in place (doc.setIn, doc.getIn, …). Returns the new text.
 * @public
 */
export function editYamlDocuments(
  text: string,
  edit: (docs: Document.Parsed<ParsedNode>[]) => void,
): string {
  const docs = parseYamlDocuments(text);
  edit(docs);
  return stringifyYamlDocuments(docs);
}

/** Parses YAML into Documents; a syntax error is an `InputError` naming line and column. @public */
export function parseYamlDocuments(text: string, path?: string): Document.Parsed<ParsedNode>[] {
  const docs = parseAllDocuments(text, { keepSourceTokens: true });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    if (doc.errors.length) {
      const e = doc.errors[0];
      throw new InputError(
        `Invalid YAML${path ? ` in ${path}` : ''}: ${e.message.split('\n')[0]}`,
      );
    }
  }
  return list as Document.Parsed<ParsedNode>[];
}

/** Serialises Documents back, separated by `---` as in the input. @public */
export function stringifyYamlDocuments(docs: Document[]): string {
  if (docs.length === 1 && !docs[0].directives?.docStart) {
    return docs[0].toString({ lineWidth: 0 });
  }
  return docs
    .map((d, i) => {
      const s = d.toString({ lineWidth: 0 });
      return i === 0 && !d.directives?.docStart ? s : s.startsWith('---') ? s : `---\n${s}`;
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
