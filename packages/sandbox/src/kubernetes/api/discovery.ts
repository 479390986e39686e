import express from 'express';
import {
  apiResourceList,
  groupVersions,
  RESOURCE_TYPES,
} from '../resources';

export const KUBE_VERSION = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.4-sandbox',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.22.10',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** Health and version: served without a token, as the real API server does. */
export function registerHealthRoutes(router: express.Router) {
  router.get(['/healthz', '/livez', '/readyz'], (_req, res) => {
    res.type('text/plain').send('ok');
  });
  router.get('/version', (_req, res) => {
    res.json(KUBE_VERSION);
  });
}

/** Discovery: `/api`, `/api/v1`, `/apis`, `/apis/<group>`, `/apis/<group>/<version>`. */
export function registerDiscoveryRoutes(router: express.Router) {
  router.get('/api', (req, res) => {
    res.json({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [
        { clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host ?? '' },
      ],
    });
  });

  router.get('/apis', (_req, res) => {
    res.json({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groupVersions().map(g => apiGroup(g.group, g.versions)),
    });
  });

  router.get('/apis/:group', (req, res, next) => {
    const g = groupVersions().find(x => x.group === req.params.group);
    if (!g) return next();
    res.json({
      kind: 'APIGroup',
      apiVersion: 'v1',
      ...apiGroup(g.group, g.versions),
    });
    return undefined;
  });

  router.get('/api/v1', (_req, res) => {
    res.json(apiResourceList('v1'));
  });

  router.get('/apis/:group/:version', (req, res, next) => {
    const gv = `${req.params.group}/${req.params.version}`;
    if (!RESOURCE_TYPES.some(r => r.apiVersion === gv)) return next();
    res.json(apiResourceList(gv));
    return undefined;
  });
}

function apiGroup(group: string, versions: string[]) {
  const list = versions.map(v => ({
    groupVersion: `${group}/${v}`,
    version: v,
  }));
  return { name: group, versions: list, preferredVersion: list[0] };
}
