import { resourceType } from '../resources';
import type { Target } from './request';

/** Parses the path after `/api/v1` or `/apis/<g>/<v>` (undefined: not a resource path). */
export function resolveTarget(
  apiVersion: string,
  rest: string,
  prefix: string,
): Target | undefined {
  let segs = rest.split('/').filter(Boolean).map(decodeURIComponent);
  let watchPath = false;
  if (segs[0] === 'watch') {
    watchPath = true;
    segs = segs.slice(1);
  }
  let namespace: string | undefined;
  let plural: string;
  let name: string | undefined;
  let sub: string | undefined;
  let route: string;
  const nsType = (p: string | undefined) => {
    const t = p ? resourceType(`${apiVersion}/${p}`) : undefined;
    return t?.namespaced ? t : undefined;
  };
  if (segs[0] === 'namespaces' && segs.length >= 3 && nsType(segs[2])) {
    namespace = segs[1];
    plural = segs[2];
    name = segs[3];
    sub = segs[4];
    if (segs.length > 5) return undefined;
    route = `${prefix}/namespaces/:namespace/${plural}${
      name !== undefined ? '/:name' : ''
    }${sub ? `/${sub}` : ''}`;
  } else {
    plural = segs[0];
    name = segs[1];
    sub = segs[2];
    if (segs.length > 3 || !plural) return undefined;
    route = `${prefix}/${plural}${name !== undefined ? '/:name' : ''}${
      sub ? `/${sub}` : ''
    }`;
  }
  const type = resourceType(`${apiVersion}/${plural}`);
  if (!type) return undefined;
  if (!type.namespaced && namespace) return undefined;
  if (type.namespaced && !namespace && name !== undefined) return undefined;
  if (watchPath) route = route.replace(prefix, `${prefix}/watch`);
  return { type, namespace, name, sub, watchPath, route };
}
