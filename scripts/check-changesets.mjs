#!/usr/bin/env node
// Every published (non-private) workspace package changed since the base branch must be named
// in a .changeset/*.md file. Base: $CHANGESET_BASE, else origin/main or origin/master (the
// merge base with HEAD); with none of these (no remote), the check says so and passes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const git = (...args) =>
  execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
const tryGit = (...args) => {
  try {
    return git(...args);
  } catch {
    return undefined;
  }
};

const ref = [process.env.CHANGESET_BASE, 'origin/main', 'origin/master'].find(
  r => r && tryGit('rev-parse', '--verify', '--quiet', `${r}^{commit}`),
);
if (!ref) {
  console.log(
    'changesets: no base branch (CHANGESET_BASE, origin/main, origin/master); skipped',
  );
  process.exit(0);
}
const base = git('merge-base', 'HEAD', ref);
const changed = git('diff', '--name-only', base, '--')
  .split('\n')
  .filter(Boolean);

const published = ['packages', 'plugins'].flatMap(dir =>
  fs
    .readdirSync(path.join(root, dir))
    .map(d => path.join(dir, d))
    .filter(d => fs.existsSync(path.join(root, d, 'package.json')))
    .map(d => ({
      dir: d,
      pkg: JSON.parse(
        fs.readFileSync(path.join(root, d, 'package.json'), 'utf8'),
      ),
    }))
    .filter(({ pkg }) => !pkg.private),
);

const named = new Set(
  fs
    .readdirSync(path.join(root, '.changeset'))
    .filter(f => f.endsWith('.md') && f !== 'README.md')
    .flatMap(f => {
      const front =
        fs
          .readFileSync(path.join(root, '.changeset', f), 'utf8')
          .split('---')[1] ?? '';
      return [...front.matchAll(/^\s*['"]?([^'":\s]+)['"]?\s*:/gm)].map(
        m => m[1],
      );
    }),
);

// Source changes only: tests, reports and READMEs alone do not need a changeset.
const isReleaseRelevant = f =>
  !/\.(test|stories)\.[jt]sx?$|__testUtils__|__fixtures__|report.*\.api\.md$|knip-report\.md$|README\.md$/.test(
    f,
  );

const missing = published.filter(
  ({ dir, pkg }) =>
    changed.some(f => f.startsWith(`${dir}/`) && isReleaseRelevant(f)) &&
    !named.has(pkg.name),
);
if (missing.length) {
  console.error(
    `changesets: these published packages changed since ${ref} without a changeset (run \`yarn changeset\`):\n${missing
      .map(m => `  ${m.pkg.name} (${m.dir})`)
      .join('\n')}`,
  );
  process.exit(1);
}
console.log(
  `changesets: ok (${published.length} published packages checked against ${ref})`,
);
