import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

/** A kubeconfig for the sandbox cluster: the HTTPS server, its CA and the bearer token. */
export function sandboxKubeconfig(options: {
  server: string;
  caCert: string;
  token: string;
  namespace?: string;
}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [
      {
        name: 'sandbox',
        cluster: {
          server: options.server,
          'certificate-authority-data': Buffer.from(options.caCert).toString(
            'base64',
          ),
        },
      },
    ],
    users: [{ name: 'sandbox', user: { token: options.token } }],
    contexts: [
      {
        name: 'sandbox',
        context: {
          cluster: 'sandbox',
          user: 'sandbox',
          ...(options.namespace ? { namespace: options.namespace } : {}),
        },
      },
    ],
    'current-context': 'sandbox',
  });
}

/** Writes `<dataDir>/kubeconfig` (0600: it holds the token). */
export function writeSandboxKubeconfig(
  dataDir: string,
  options: Parameters<typeof sandboxKubeconfig>[0],
): string {
  const file = path.join(dataDir, 'kubeconfig');
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, sandboxKubeconfig(options), { mode: 0o600 });
  return file;
}
