import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { generate } from 'selfsigned';

export type ServingCertificates = {
  /** PEM of the sandbox CA (what a kubeconfig's certificate-authority-data holds). */
  caCert: string;
  /** PEM key and certificate of the API server, signed by the CA. */
  key: string;
  cert: string;
};

const DAY_MS = 24 * 60 * 60 * 1000;

/** The names the server certificate covers: localhost, the loopback IPs and the bound host. */
export function servingHosts(host: string | undefined): string[] {
  const hosts = ['localhost', '127.0.0.1', '::1'];
  if (host && !['0.0.0.0', '::', ''].includes(host) && !hosts.includes(host))
    hosts.push(host);
  return hosts;
}

const isIp = (h: string) => /^[\d.]+$/.test(h) || h.includes(':');

/**
 * The CA and API server certificate under `<dataDir>/tls/`, generated on first start (EC P-256,
 * CA valid 10 years, server certificate 2 years) and kept across restarts. The server
 * certificate is issued again, by the same CA, when it is about to expire or the served names
 * change; the CA (and so every kubeconfig written before) stays.
 */
export async function ensureServingCertificates(
  dataDir: string,
  hosts: string[],
): Promise<ServingCertificates> {
  const dir = path.join(dataDir, 'tls');
  fs.mkdirSync(dir, { recursive: true });
  const file = (name: string) => path.join(dir, name);
  const read = (name: string) =>
    fs.existsSync(file(name)) ? fs.readFileSync(file(name), 'utf8') : undefined;
  const write = (name: string, pem: string, secret = false) =>
    fs.writeFileSync(file(name), pem, { mode: secret ? 0o600 : 0o644 });

  let caCert = read('ca.crt');
  let caKey = read('ca.key');
  if (!caCert || !caKey || expiresSoon(caCert)) {
    const ca = await generate(
      [
        { name: 'commonName', value: 'openluffy-sandbox-ca' },
        { name: 'organizationName', value: 'OpenLuffy sandbox' },
      ],
      {
        keyType: 'ec',
        algorithm: 'sha256',
        notBeforeDate: new Date(Date.now() - DAY_MS),
        notAfterDate: new Date(Date.now() + 3650 * DAY_MS),
        extensions: [
          { name: 'basicConstraints', cA: true, critical: true },
          {
            name: 'keyUsage',
            keyCertSign: true,
            cRLSign: true,
            digitalSignature: true,
            critical: true,
          },
        ],
      },
    );
    caCert = ca.cert;
    caKey = ca.private;
    write('ca.key', caKey, true);
    write('ca.crt', caCert);
    fs.rmSync(file('server.crt'), { force: true });
  }

  let cert = read('server.crt');
  let key = read('server.key');
  if (
    !cert ||
    !key ||
    expiresSoon(cert) ||
    !issuedBy(cert, caCert) ||
    !covers(cert, hosts)
  ) {
    const server = await generate(
      [{ name: 'commonName', value: 'kube-apiserver' }],
      {
        keyType: 'ec',
        algorithm: 'sha256',
        ca: { key: caKey, cert: caCert },
        notBeforeDate: new Date(Date.now() - DAY_MS),
        notAfterDate: new Date(Date.now() + 730 * DAY_MS),
        extensions: [
          { name: 'basicConstraints', cA: false },
          {
            name: 'keyUsage',
            digitalSignature: true,
            keyEncipherment: true,
            critical: true,
          },
          { name: 'extKeyUsage', serverAuth: true },
          {
            name: 'subjectAltName',
            altNames: hosts.map(h =>
              isIp(h) ? { type: 7, ip: h } : { type: 2, value: h },
            ),
          },
        ],
      },
    );
    cert = server.cert;
    key = server.private;
    write('server.key', key, true);
    write('server.crt', cert);
  }
  return { caCert, key, cert };
}

function expiresSoon(pem: string): boolean {
  try {
    return Date.parse(new X509Certificate(pem).validTo) < Date.now() + 7 * DAY_MS;
  } catch {
    return true; // unreadable: issue a new one
  }
}

function issuedBy(pem: string, caPem: string): boolean {
  try {
    return new X509Certificate(pem).verify(new X509Certificate(caPem).publicKey);
  } catch {
    return false;
  }
}

function covers(pem: string, hosts: string[]): boolean {
  const san = new X509Certificate(pem).subjectAltName ?? '';
  const names = san.split(', ').map(e => {
    const [kind, value] = e.split(':', 2);
    const v = e.slice(kind.length + 1);
    return kind === 'IP Address' ? normalizeIp(v) : value;
  });
  return hosts.every(h => names.includes(isIp(h) ? normalizeIp(h) : h));
}

/** `::1` and `0:0:0:0:0:0:0:1` compare equal. */
function normalizeIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = ip.includes('::') ? 8 - h.length - t.length : 0;
  return [...h, ...Array(fill).fill('0'), ...t]
    .map(x => parseInt(x || '0', 16).toString(16))
    .join(':');
}
