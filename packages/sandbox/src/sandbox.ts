import fs from 'node:fs';
import type { Family } from './core/faults';
import {
  DEFAULT_KUBERNETES_HTTPS_PORT,
  DEFAULT_PORTS,
  SandboxContext,
  type SandboxOptions,
} from './core/context';
import {
  startFamilyServer,
  type FamilyModule,
  type FamilyServer,
} from './http/server';
import { createFamilies } from './families';

export type Sandbox = {
  ctx: SandboxContext;
  urls: Record<Family, string>;
  /** The Kubernetes API over HTTPS (`kubernetes`); `data/sandbox/kubeconfig` points there. */
  httpsUrls: Partial<Record<Family, string>>;
  stop(): Promise<void>;
};

/**
 * Starts every family on its port, restores saved state (or seeds the demo), and marks the
 * sandbox ready (GET /_sandbox/ready answers 200 from then on).
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  if (options.reset)
    fs.rmSync(options.dataDir, { recursive: true, force: true });
  fs.mkdirSync(options.dataDir, { recursive: true });
  const ctx = new SandboxContext(options);
  const host = options.host ?? '127.0.0.1';
  const ports = { ...DEFAULT_PORTS, ...options.ports };

  const { modules, afterListen } = await createFamilies(ctx);
  const httpsPorts: Partial<Record<Family, number>> = {
    kubernetes:
      options.kubernetesHttpsPort ??
      (ports.kubernetes === 0 ? 0 : DEFAULT_KUBERNETES_HTTPS_PORT),
  };
  const servers: FamilyServer[] = [];
  try {
    for (const mod of modules) {
      const s = await startFamilyServer(ctx, mod, ports[mod.family], host, {
        httpsPort: httpsPorts[mod.family],
      });
      servers.push(s);
      ctx.urls[mod.family] = s.url;
      if (s.httpsUrl) ctx.httpsUrls[mod.family] = s.httpsUrl;
    }
    await afterListen();
  } catch (e) {
    await Promise.all(servers.map(s => s.close()));
    throw e;
  }
  ctx.persistence.start();
  ctx.ready = true;
  return {
    ctx,
    urls: ctx.urls,
    httpsUrls: ctx.httpsUrls,
    async stop() {
      ctx.ready = false;
      ctx.events.emit('stop');
      await Promise.all(servers.map(s => s.close()));
      ctx.clock.dispose();
      ctx.persistence.stop();
    },
  };
}

export type { FamilyModule };
