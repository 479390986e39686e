import type { GitopsRepo } from '../gitops/types';
import { manifestFormatOf, type ManifestFormat } from './manifest';

/** A workload's manifest found in the GitOps repository. @public */
export type LocatedManifest = {
  path: string;
  content: string;
  sha: string;
  format: ManifestFormat;
  /** Folder it was found in (for history, rollbacks). */
  folder: string;
};

/**
 * Folders where a service's manifests for an environment may live, most specific first: the
 * `openluffy.io/gitops-path` annotation, then the conventional layouts.
 * @public
 */
export function candidateFolders(options: {
  annotatedPath?: string;
  service: string;
  workload: string;
  env?: string;
}): string[] {
  const { annotatedPath, service, workload, env } = options;
  const names = [...new Set([service, workload])];
  const out: string[] = [];
  if (annotatedPath) out.push(annotatedPath);
  for (const n of names) {
    if (env) {
      out.push(
        `apps/${n}/${env}`,
        `apps/${n}/overlays/${env}`,
        `${n}/${env}`,
        `environments/${env}/${n}`,
        `envs/${env}/${n}`,
      );
    }
    out.push(`apps/${n}`, n);
  }
  return [...new Set(out.map(p => p.replace(/^\/+|\/+$/g, '')))];
}

const PREFERRED = [
  'deployment.yaml',
  'deployment.yml',
  'values.yaml',
  'values.yml',
];

/**
 * Finds the file describing a workload: a YAML manifest containing it, or Helm values of the
 * environment. Reads through the shared GitOps client (a listing per candidate folder and the
 * files it holds, preferred names first). Undefined when nothing matches.
 * @public
 */
export async function locateManifest(
  repo: Pick<GitopsRepo, 'listFolder' | 'readFile'>,
  options: {
    folders: string[];
    target: { kind: string; name: string };
    ref?: string;
  },
): Promise<LocatedManifest | undefined> {
  for (const folder of options.folders) {
    const entries = await repo.listFolder(folder, { ref: options.ref });
    const files = entries
      .filter(e => e.type === 'file' && /\.ya?ml$/.test(e.name))
      .sort((a, b) => {
        const ia = PREFERRED.indexOf(a.name);
        const ib = PREFERRED.indexOf(b.name);
        return (
          (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) ||
          a.name.localeCompare(b.name)
        );
      });
    let values: LocatedManifest | undefined;
    for (const f of files) {
      const file = await repo.readFile(f.path, { ref: options.ref });
      if (!file) continue;
      const format = manifestFormatOf(file.content, options.target);
      if (format === 'manifest') {
        return {
          path: file.path,
          content: file.content,
          sha: file.sha,
          format,
          folder,
        };
      }
      if (format === 'helm-values' && !values) {
        values = {
          path: file.path,
          content: file.content,
          sha: file.sha,
          format,
          folder,
        };
      }
    }
    if (values) return values;
  }
  return undefined;
}
