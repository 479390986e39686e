import { SandboxContext } from '../core/context';
import { GithubService } from './service';
import { CiSimulator } from './ci';
import type { CheckRunRecord } from './state';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

describe('CiSimulator.prune', () => {
  it('drops the oldest finished check runs first and keeps running ones', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbx-gh-prune-'));
    try {
      const svc = new GithubService(new SandboxContext({ dataDir: dir }));
      const run = (id: number, status: CheckRunRecord['status']) =>
        ({ id, status, name: 'ci/build' } as CheckRunRecord);
      svc.data.runs = [
        run(1, 'in_progress'),
        ...[2, 3, 4, 5, 6, 7].map(i => run(i, 'completed')),
        run(8, 'queued'),
      ];
      new CiSimulator(svc).prune(5);
      expect(svc.data.runs.map(r => r.id)).toEqual([1, 5, 6, 7, 8]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
