import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readRepoTarball } from './tarball';

describe('readRepoTarball', () => {
  it('reads the files and the commit id of a git archive tarball (long paths through pax headers)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'luffy-tar-'));
    try {
      const git = (...args: string[]) =>
        execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
      git('init', '-q', '-b', 'main');
      const long = `apps/${'a'.repeat(60)}/${'b'.repeat(60)}/values.yaml`;
      const files: Record<string, string> = {
        'argocd/root.yaml': 'kind: Application\n',
        'apps/inventory/dev/values.yaml':
          'ingress:\n  host: inventory.dev.acme.example\n',
        [long]: 'name: long\n',
        'README.md': 'héllo ✓\n',
      };
      for (const [p, c] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
        fs.writeFileSync(path.join(dir, p), c);
      }
      // an executable file and a symlink: their modes are part of the tree sha
      fs.writeFileSync(path.join(dir, 'scripts-run.sh'), '#!/bin/sh\n', { mode: 0o755 });
      fs.symlinkSync('argocd/root.yaml', path.join(dir, 'root-link.yaml'));
      git('add', '.');
      git(
        '-c',
        'user.name=t',
        '-c',
        'user.email=t@example.test',
        'commit',
        '-q',
        '-m',
        'files',
      );
      const head = git('rev-parse', 'HEAD').trim();
      const archive = execFileSync('git', [
        '-C',
        dir,
        'archive',
        '--format=tar.gz',
        '--prefix=acme-gitops-abc1234/',
        'HEAD',
      ]);
      const read = readRepoTarball(archive);
      expect(read.commitSha).toBe(head);
      expect(Object.fromEntries(read.files)).toEqual({
        ...files,
        'scripts-run.sh': '#!/bin/sh\n',
      });
      // the commit's tree, worked out from the archive as git hashes it
      expect(read.treeSha).toBe(git('rev-parse', 'HEAD^{tree}').trim());

      // a .gitattributes may hide files from the archive (export-ignore): no tree sha then
      fs.writeFileSync(path.join(dir, '.gitattributes'), 'README.md export-ignore\n');
      git('add', '.');
      git('-c', 'user.name=t', '-c', 'user.email=t@example.test', 'commit', '-q', '-m', 'attrs');
      const hidden = readRepoTarball(
        execFileSync('git', ['-C', dir, 'archive', '--format=tar.gz', '--prefix=p/', 'HEAD']),
      );
      expect(hidden.files.has('README.md')).toBe(false);
      expect(hidden.treeSha).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
