import { NotFoundError } from '@backstage/errors';
import {
  editYamlDocuments,
  findYamlDocument,
  parseYamlDocuments,
  type GitFile,
  type GitopsRepo,
} from '@openluffy/plugin-luffy-node';

/** A workload's desired state in the GitOps folder: a Deployment manifest or Helm values. */
export type WorkloadFile = {
  file: GitFile;
  /** `manifest`: a Deployment document; `values`: Helm values (replicaCount, image.tag). */
  kind: 'manifest' | 'values';
};

/**
 * Finds the file that holds a Deployment's replicas and image in a GitOps folder: a YAML file
 * with a Deployment named `name` (else the only Deployment), else `values.yaml`.
 */
export async function locateWorkload(
  repo: GitopsRepo,
  folder: string,
  name: string,
): Promise<WorkloadFile> {
  const entries = (await repo.listFolder(folder)).filter(
    e => e.type === 'file' && /\.ya?ml$/.test(e.name),
  );
  if (entries.length === 0) {
    throw new NotFoundError(
      `No YAML files in ${repo.owner}/${repo.repo}/${folder}`,
    );
  }
  let fallback: WorkloadFile | undefined;
  let values: WorkloadFile | undefined;
  for (const entry of entries) {
    const file = await repo.readFile(entry.path);
    if (!file) continue;
    const docs = parseYamlDocuments(file.content, file.path);
    if (findYamlDocument(docs, { kind: 'Deployment', name })) {
      return { file, kind: 'manifest' };
    }
    if (!fallback && findYamlDocument(docs, { kind: 'Deployment' })) {
      fallback = { file, kind: 'manifest' };
    }
    if (/^values\.ya?ml$/.test(entry.name)) values = { file, kind: 'values' };
  }
  const found = fallback ?? values;
  if (!found) {
    throw new NotFoundError(
      `No Deployment "${name}" nor values.yaml in ${repo.owner}/${repo.repo}/${folder}`,
    );
  }
  return found;
}

const REPLICA_KEYS = ['replicaCount', 'replicas'];

export function readReplicas(
  w: WorkloadFile,
  name: string,
): number | undefined {
  const docs = parseYamlDocuments(w.file.content, w.file.path);
  if (w.kind === 'manifest') {
    const d =
      findYamlDocument(docs, { kind: 'Deployment', name }) ??
      findYamlDocument(docs, { kind: 'Deployment' });
    const v = d?.getIn(['spec', 'replicas']);
    return typeof v === 'number' ? v : undefined;
  }
  for (const k of REPLICA_KEYS) {
    const v = docs[0]?.get(k);
    if (typeof v === 'number') return v;
  }
  return undefined;
}

export function setReplicas(
  w: WorkloadFile,
  name: string,
  replicas: number,
): string {
  return editYamlDocuments(
    w.file.content,
    docs => {
      if (w.kind === 'manifest') {
        const d =
          findYamlDocument(docs, { kind: 'Deployment', name }) ??
          findYamlDocument(docs, { kind: 'Deployment' })!;
        d.setIn(['spec', 'replicas'], replicas);
        return;
      }
      const key = REPLICA_KEYS.find(k => docs[0].has(k)) ?? REPLICA_KEYS[0];
      docs[0].set(key, replicas);
    },
    w.file.path,
  );
}

/** The image of the Deployment's first container (`repo:tag`), or Helm `image.repository:tag`. */
export function readImage(
  w: WorkloadFile,
  name: string,
): { image: string; tag: string } | undefined {
  const docs = parseYamlDocuments(w.file.content, w.file.path);
  if (w.kind === 'manifest') {
    const d =
      findYamlDocument(docs, { kind: 'Deployment', name }) ??
      findYamlDocument(docs, { kind: 'Deployment' });
    const image = d?.getIn([
      'spec',
      'template',
      'spec',
      'containers',
      0,
      'image',
    ]);
    if (typeof image !== 'string') return undefined;
    const at = image.lastIndexOf(':');
    if (at <= image.lastIndexOf('/')) return { image, tag: 'latest' };
    return { image, tag: image.slice(at + 1) };
  }
  const repository = docs[0]?.getIn(['image', 'repository']);
  const tag = docs[0]?.getIn(['image', 'tag']);
  if (tag === undefined) return undefined;
  return { image: `${repository ?? ''}:${tag}`, tag: String(tag) };
}

export function setImageTag(
  w: WorkloadFile,
  name: string,
  tag: string,
): string {
  return editYamlDocuments(
    w.file.content,
    docs => {
      if (w.kind === 'manifest') {
        const d =
          findYamlDocument(docs, { kind: 'Deployment', name }) ??
          findYamlDocument(docs, { kind: 'Deployment' })!;
        const path = ['spec', 'template', 'spec', 'containers', 0, 'image'];
        const image = String(d.getIn(path));
        const at = image.lastIndexOf(':');
        const base = at > image.lastIndexOf('/') ? image.slice(0, at) : image;
        d.setIn(path, `${base}:${tag}`);
        return;
      }
      docs[0].setIn(['image', 'tag'], tag);
    },
    w.file.path,
  );
}
