import fs from 'node:fs';
import path from 'node:path';
import type { Octokit } from '@octokit/rest';
import { type GithubTestEnv, withGithubContract } from './__testUtils__';

jest.setTimeout(60_000);

let env: GithubTestEnv;
let alice: Octokit;

withGithubContract(c => {
  ({ env, alice } = c);
});

// POST /repos/{owner}/{repo}/git/trees: an entry with `sha: null` removes the path from base_tree
it('deletes files and folders from base_tree with sha: null', async () => {
  await alice.rest.repos.createInOrg({
    org: 'acme',
    name: 'trees',
    private: true,
  });
  const work = path.join(env.dir, 'w-trees');
  const url = `${env.url.replace(
    'http://',
    'http://x-access-token:sandbox-alice-token@',
  )}/acme/trees.git`;
  await env.git(['clone', '-q', url, work]);
  fs.mkdirSync(path.join(work, 'dir'));
  fs.writeFileSync(path.join(work, 'keep.txt'), 'keep\n');
  fs.writeFileSync(path.join(work, 'gone.txt'), 'gone\n');
  fs.writeFileSync(path.join(work, 'dir', 'a.txt'), 'a\n');
  fs.writeFileSync(path.join(work, 'dir', 'b.txt'), 'b\n');
  await env.git(['add', '.'], work);
  await env.git(['commit', '-qm', 'initial'], work);
  await env.git(['push', '-q', 'origin', 'HEAD:main'], work);

  const head = await alice.rest.repos.getCommit({
    owner: 'acme',
    repo: 'trees',
    ref: 'main',
  });
  const tree = await alice.rest.git.createTree({
    owner: 'acme',
    repo: 'trees',
    base_tree: head.data.commit.tree.sha,
    tree: [
      { path: 'gone.txt', mode: '100644', type: 'blob', sha: null },
      { path: 'dir', mode: '040000', type: 'tree', sha: null },
    ],
  });
  expect(tree.data.tree.map(e => e.path)).toEqual(['keep.txt']);
});
