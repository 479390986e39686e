import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { SandboxContext, type SandboxOptions } from '../core/context';
import { startFamilyServer, type FamilyServer } from '../http/server';
import { isLoopbackAddress, UNSAFE_CONTROL_API_FLAG } from './router';

/** A non-loopback address of this machine (the test talks to its own interface). */
function externalIPv4(): string | undefined {
  for (const list of Object.values(os.networkInterfaces()))
    for (const a of list ?? [])
      if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

describe('control API on loopback only', () => {
  const servers: FamilyServer[] = [];
  const dirs: string[] = [];

  async function start(options: Partial<SandboxOptions> = {}) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbx-control-'));
    dirs.push(dataDir);
    const ctx = new SandboxContext({
      dataDir,
      seed: false,
      logger: { info() {}, warn() {}, error() {} },
      ...options,
    });
    ctx.ready = true;
    const srv = await startFamilyServer(
      ctx,
      { family: 'kubernetes', router: express.Router() },
      0,
      '0.0.0.0',
    );
    servers.push(srv);
    return Number(new URL(srv.url).port);
  }

  afterAll(async () => {
    await Promise.all(servers.map(s => s.close()));
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('tells loopback addresses from others', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])
      expect(isLoopbackAddress(a)).toBe(true);
    for (const a of ['192.0.2.2', '::ffff:10.0.0.1', 'fd00::2', '', undefined])
      expect(isLoopbackAddress(a)).toBe(false);
  });

  it('answers loopback clients, refuses others with 403 naming the flag, and serves everyone with the unsafe flag', async () => {
    const external = externalIPv4();
    if (!external)
      throw new Error(
        'this test needs a non-loopback IPv4 interface to send a request from',
      );
    const port = await start();
    const faults = (host: string, p: number) =>
      fetch(`http://${host}:${p}/_sandbox/faults`);

    const local = await faults('127.0.0.1', port);
    expect(local.status).toBe(200);
    expect(await local.json()).toEqual({ items: [] });

    const remote = await faults(external, port);
    expect(remote.status).toBe(403);
    expect(remote.headers.get('content-type')).toMatch(/application\/json/);
    expect((await remote.json()).error).toContain(UNSAFE_CONTROL_API_FLAG);
    // a write is refused before it is applied
    const post = await fetch(`http://${external}:${port}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ family: 'kubernetes', kind: 'down' }),
    });
    expect(post.status).toBe(403);
    expect(await (await faults('127.0.0.1', port)).json()).toEqual({
      items: [],
    });
    // readiness stays open (health checks of containers and proxies)
    const ready = await fetch(`http://${external}:${port}/_sandbox/ready`);
    expect(ready.status).toBe(200);

    const unsafePort = await start({ unsafeControlApiOnAllInterfaces: true });
    expect((await faults(external, unsafePort)).status).toBe(200);
  });
});
