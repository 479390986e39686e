import path from 'node:path';
import YAML from 'yaml';
import type { GitRepos } from '../core/git';
import type { KubeObject } from '../core/cluster';
import { renderChart, TemplateError } from './helm';

/** `http://host:port/<owner>/<repo>.git` (any host: every repo is a sandbox repo). */
export function parseRepoURL(
  url: string | undefined,
): { owner: string; repo: string } | undefined {
  if (!url) return undefined;
  const m =
    /^(?:https?:\/\/[^/]+|git@[^:]+:|ssh:\/\/[^/]+)\/?([A-Za-z0-9._-]+)\/([A-Za-z0-9._-]+?)(?:\.git)?\/?$/.exec(
      url.trim(),
    );
  return m ? { owner: m[1], repo: m[2] } : undefined;
}

export type SourceType = 'Directory' | 'Helm';

export type RenderedSource = {
  sourceType: SourceType;
  objects: KubeObject[];
};

/** A failure to produce manifests (Argo CD's ComparisonError). */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

/** Reads several files at one commit with a single `git cat-file --batch`. */
export async function readFiles(
  git: GitRepos,
  owner: string,
  repo: string,
  sha: string,
  files: string[],
): Promise<Record<string, string>> {
  if (!files.length) return {};
  const out = Buffer.from(
    await git.git(owner, repo, ['cat-file', '--batch'], {
      input: `${files.map(f => `${sha}:${f}`).join('\n')}\n`,
    }),
    'utf8',
  );
  const result: Record<string, string> = {};
  let pos = 0;
  for (const f of files) {
    const nl = out.indexOf(0x0a, pos);
    const header = out.subarray(pos, nl).toString();
    pos = nl + 1;
    const m = /^\S+ (\w+) (\d+)$/.exec(header);
    if (!m) continue; // "<name> missing"
    const size = Number(m[2]);
    if (m[1] === 'blob') result[f] = out.subarray(pos, pos + size).toString();
    pos += size + 1;
  }
  return result;
}

export function parseManifests(name: string, text: string): KubeObject[] {
  const objects: unknown[] = [];
  if (name.endsWith('.json')) {
    try {
      objects.push(JSON.parse(text));
    } catch (e) {
      throw new ManifestError(
        `failed to unmarshal ${name}: ${(e as Error).message}`,
      );
    }
  } else {
    for (const doc of YAML.parseAllDocuments(text)) {
      if (doc.errors.length) {
        throw new ManifestError(
          `failed to unmarshal ${name}: ${
            doc.errors[0].message.split('\n')[0]
          }`,
        );
      }
      const v = doc.toJS();
      if (v !== null && v !== undefined) objects.push(v);
    }
  }
  const flat: KubeObject[] = [];
  for (const o of objects) {
    if (!o || typeof o !== 'object' || Array.isArray(o))
      throw new ManifestError(`${name}: a document is not a Kubernetes object`);
    const obj = o as KubeObject;
    if (obj.kind === 'List' || /List$/.test(String(obj.kind ?? ''))) {
      for (const item of ((obj as any).items ?? []) as KubeObject[])
        flat.push(item);
      continue;
    }
    if (!obj.apiVersion || !obj.kind)
      throw new ManifestError(
        `${name}: Object 'Kind' is missing in '${JSON.stringify(obj).slice(
          0,
          120,
        )}'`,
      );
    if (!obj.metadata?.name)
      throw new ManifestError(`${name}: ${obj.kind} has no metadata.name`);
    flat.push(obj);
  }
  return flat;
}

export type AppSource = {
  repoURL?: string;
  path?: string;
  targetRevision?: string;
  chart?: string;
  helm?: {
    valueFiles?: string[];
    values?: string;
    valuesObject?: Record<string, unknown>;
    parameters?: Array<{ name: string; value: string; forceString?: boolean }>;
    releaseName?: string;
    ignoreMissingValueFiles?: boolean;
  };
  directory?: { recurse?: boolean; include?: string; exclude?: string };
  kustomize?: unknown;
  plugin?: unknown;
};

/**
 * Produces the desired objects of `source` at commit `sha` (plain manifests or Helm).
 * `options.files`: every file path of the repo at `sha` when the caller already has it.
 */
export async function renderSource(
  git: GitRepos,
  source: AppSource,
  sha: string,
  release: { name: string; namespace: string },
  options: { files?: string[] } = {},
): Promise<RenderedSource> {
  const loc = parseRepoURL(source.repoURL);
  if (!loc)
    throw new ManifestError(
      `repository not found: ${source.repoURL ?? '(none)'}`,
    );
  if (source.chart)
    throw new ManifestError(
      'Helm repository charts (spec.source.chart) are not supported by the sandbox; use a chart directory in git',
    );
  if (source.kustomize)
    throw new ManifestError(
      'Kustomize sources are not supported by the sandbox',
    );
  if (source.plugin)
    throw new ManifestError('plugin sources are not supported by the sandbox');
  const dir = (source.path ?? '')
    .replace(/^\.?\/+|\/+$/g, '')
    .replace(/^\.$/, '');
  const all = options.files
    ? options.files.filter(f => !dir || f.startsWith(`${dir}/`))
    : await git.listFiles(loc.owner, loc.repo, sha, dir);
  const rel = all.map(f => (dir ? f.slice(dir.length + 1) : f));
  if (!all.length)
    throw new ManifestError(`${dir || '.'}: app path does not exist`);
  if (rel.includes('kustomization.yaml') || rel.includes('kustomization.yml'))
    throw new ManifestError(
      'Kustomize sources are not supported by the sandbox',
    );

  if (rel.includes('Chart.yaml') || source.helm) {
    if (!rel.includes('Chart.yaml'))
      throw new ManifestError(`${dir}: Chart.yaml file is missing`);
    const valueFiles = (source.helm?.valueFiles ?? []).map(v => ({
      name: v,
      path: path.posix.normalize(path.posix.join(dir, v)),
    }));
    for (const v of valueFiles) {
      if (v.path.startsWith('..'))
        throw new ManifestError(
          `value file ${v.name} resolved outside the repository`,
        );
    }
    const contents = await readFiles(git, loc.owner, loc.repo, sha, [
      ...all,
      ...valueFiles.map(v => v.path),
    ]);
    const chartFiles: Record<string, string> = {};
    all.forEach((f, i) => {
      if (contents[f] !== undefined) chartFiles[rel[i]] = contents[f];
    });
    const vfs: Array<{ name: string; content: string }> = [];
    for (const v of valueFiles) {
      if (contents[v.path] === undefined) {
        if (source.helm?.ignoreMissingValueFiles) continue;
        throw new ManifestError(
          `Error: open ${v.path}: no such file or directory (helm valueFiles ${v.name})`,
        );
      }
      vfs.push({ name: v.name, content: contents[v.path] });
    }
    try {
      const rendered = renderChart(chartFiles, {
        releaseName: source.helm?.releaseName ?? release.name,
        namespace: release.namespace,
        valueFiles: vfs,
        values: source.helm?.values,
        valuesObject: source.helm?.valuesObject,
        parameters: source.helm?.parameters,
      });
      const objects: KubeObject[] = [];
      for (const t of rendered) {
        for (const d of t.documents)
          objects.push(...parseManifests(t.source, d));
      }
      return { sourceType: 'Helm', objects };
    } catch (e) {
      if (e instanceof TemplateError || e instanceof ManifestError)
        throw new ManifestError(`helm template: ${e.message}`);
      throw e;
    }
  }

  const recurse = !!source.directory?.recurse;
  const picked = all.filter((f, i) => {
    if (!recurse && rel[i].includes('/')) return false;
    return /\.(ya?ml|json)$/.test(f);
  });
  const contents = await readFiles(git, loc.owner, loc.repo, sha, picked);
  const objects: KubeObject[] = [];
  for (const f of picked) objects.push(...parseManifests(f, contents[f] ?? ''));
  return { sourceType: 'Directory', objects };
}
