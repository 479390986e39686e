/** Kubernetes label selector matching: `a=b,c!=d,e in (x,y),f notin (z),g,!h`. */
export function matchLabels(
  labels: Record<string, string> = {},
  selector = '',
): boolean {
  const reqs = selector.match(/([^,(]+(\([^)]*\))?)/g) ?? [];
  return reqs.every(raw => {
    const r = raw.trim();
    if (!r) return true;
    const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(r);
    if (set) {
      const m = set;
      const vals = m[3].split(',').map(s => s.trim());
      const has = m[1] in labels && vals.includes(labels[m[1]]);
      return m[2] === 'in' ? has : !has;
    }
    const m = /^(\S+?)\s*(==|!=|=)\s*(\S*)$/.exec(r);
    if (m) {
      return m[2] === '!=' ? labels[m[1]] !== m[3] : labels[m[1]] === m[3];
    }
    if (r.startsWith('!')) return !(r.slice(1) in labels);
    return r in labels;
  });
}
