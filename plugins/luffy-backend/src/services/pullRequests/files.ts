import type { PullRequestFile } from '@openluffy/plugin-luffy-common';

const GENERATED = [
  /(^|\/)(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|go\.sum|poetry\.lock|Pipfile\.lock|Cargo\.lock|composer\.lock|Gemfile\.lock|uv\.lock)$/,
  /\.min\.(js|css)$/,
  /\.(map|snap)$/,
  /(^|\/)(vendor|node_modules|dist|__generated__)\//,
  /(_generated|\.generated|\.pb)\.[a-z]+$/,
];

/** Lines changed above which a file starts collapsed. */
export const LARGE_FILE_LINES = 400;

/** Lock files, vendored, minified and generated code: collapsed in the diff view. */
export function isGenerated(filename: string): boolean {
  return GENERATED.some(re => re.test(filename));
}

/** A file of GitHub's `GET /repos/:o/:r/pulls/:n/files`. */
export type GithubPullFile = {
  filename: string;
  previous_filename?: string;
  status: string;
  additions: number;
  deletions: number;
  patch?: string;
};

export function mapFile(f: GithubPullFile): PullRequestFile {
  return {
    filename: f.filename,
    previousFilename: f.previous_filename,
    status: f.status as PullRequestFile['status'],
    additions: f.additions,
    deletions: f.deletions,
    generated: isGenerated(f.filename),
    large:
      f.patch === undefined || f.additions + f.deletions > LARGE_FILE_LINES,
  };
}

/**
 * The pull request as one unified diff in `git diff` form, from GitHub's per-file patches
 * (files without a patch, binary or too large for GitHub, get a header only).
 */
export function unifiedDiff(files: GithubPullFile[]): string {
  const out: string[] = [];
  for (const f of files) {
    const from = f.previous_filename ?? f.filename;
    out.push(`diff --git a/${from} b/${f.filename}`);
    if (f.status === 'added') out.push('new file mode 100644');
    if (f.status === 'removed') out.push('deleted file mode 100644');
    if (f.status === 'renamed') {
      out.push(`rename from ${from}`, `rename to ${f.filename}`);
    }
    if (f.patch === undefined) {
      out.push(`Binary files a/${from} and b/${f.filename} differ`);
      continue;
    }
    if (!f.patch) continue; // a rename without changes
    out.push(f.status === 'added' ? '--- /dev/null' : `--- a/${from}`);
    out.push(f.status === 'removed' ? '+++ /dev/null' : `+++ b/${f.filename}`);
    out.push(f.patch.endsWith('\n') ? f.patch.slice(0, -1) : f.patch);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
