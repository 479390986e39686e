import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SandboxContext } from '../../core/context';
import { seedGitopsDemo } from '../../seed';
import { FakeCluster } from './fakeCluster';

export { FakeCluster } from './fakeCluster';

export const silent = { info() {}, warn() {}, error() {} };

/**
 * A context in a fresh temp dir (`prefix`), time scale 50, over a {@link FakeCluster} whose
 * Deployments become ready at once, with the GitOps demo seeded. `dispose` stops the clock and
 * removes the dir (also done here when seeding fails).
 */
export async function startSeededArgoContext(prefix: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const ctx = new SandboxContext({
    dataDir: dir,
    timeScale: 50,
    seed: false,
    logger: silent,
  });
  const cluster = new FakeCluster({ autoReady: true });
  ctx.cluster = cluster;
  const dispose = () => {
    ctx.clock.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await seedGitopsDemo(ctx);
  } catch (e) {
    dispose();
    throw e;
  }
  return { dir, ctx, cluster, dispose };
}
