import path from 'node:path';
import YAML from 'yaml';
import { TemplateError, TemplateSet } from './template';

export { TemplateError, TemplateSet } from './template';

/** A chart's files, paths relative to the chart directory (`Chart.yaml`, `templates/x.yaml`). */
export type ChartFiles = Record<string, string>;

export type HelmRenderOptions = {
  releaseName: string;
  namespace: string;
  /** Values files already read, in order (later wins). */
  valueFiles?: Array<{ name: string; content: string }>;
  /** `spec.source.helm.values` (a YAML string). */
  values?: string;
  /** `spec.source.helm.valuesObject`. */
  valuesObject?: Record<string, unknown>;
  /** `spec.source.helm.parameters` (`--set name=value`). */
  parameters?: Array<{ name: string; value: string; forceString?: boolean }>;
  kubeVersion?: string;
};

export type RenderedTemplate = { source: string; documents: string[] };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Helm's value coalescing: maps merge recursively, everything else is replaced. */
export function mergeValues(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else if (isPlainObject(v) && isPlainObject(out[k]))
      out[k] = mergeValues(out[k] as Record<string, unknown>, v);
    else out[k] = v;
  }
  return out;
}

function parseValues(name: string, content: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = YAML.parse(content);
  } catch (e) {
    throw new TemplateError(
      `failed to parse ${name}: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  if (v === null || v === undefined) return {};
  if (!isPlainObject(v))
    throw new TemplateError(`failed to parse ${name}: not a map`);
  return v;
}

/** `--set a.b[0].c=x` semantics for the simple forms (dots and list indexes). */
function setParameter(
  values: Record<string, unknown>,
  name: string,
  raw: string,
  forceString?: boolean,
) {
  let value: unknown = raw;
  if (!forceString) {
    if (raw === 'true' || raw === 'false') value = raw === 'true';
    else if (raw === 'null') value = null;
    else if (/^-?\d+$/.test(raw)) value = Number(raw);
  }
  const parts: Array<string | number> = [];
  for (const seg of name.split(/(?<!\\)\./)) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(seg.replace(/\\\./g, '.'));
    if (!m) throw new TemplateError(`unsupported parameter name ${name}`);
    if (m[1]) parts.push(m[1]);
    for (const idx of m[2].match(/\d+/g) ?? []) parts.push(Number(idx));
  }
  let cur: any = values;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i];
    if (cur[p] === undefined || cur[p] === null || typeof cur[p] !== 'object')
      cur[p] = typeof parts[i + 1] === 'number' ? [] : {};
    cur = cur[p];
  }
  cur[parts[parts.length - 1]] = value;
}

/**
 * Renders a chart like `helm template <release> <chart> -n <namespace> -f ... --set ...` within
 * the supported subset; returns the YAML documents per template file (empty ones dropped).
 * Throws {@link TemplateError} on anything unsupported or invalid.
 */
export function renderChart(
  files: ChartFiles,
  options: HelmRenderOptions,
): RenderedTemplate[] {
  if (!files['Chart.yaml'])
    throw new TemplateError('Chart.yaml file is missing');
  const chart = parseValues('Chart.yaml', files['Chart.yaml']);
  if (!chart.name)
    throw new TemplateError('validation: chart.metadata.name is required');
  if (!chart.version)
    throw new TemplateError('validation: chart.metadata.version is required');
  if (chart.dependencies && (chart.dependencies as unknown[]).length)
    throw new TemplateError(
      'chart dependencies are not supported by the sandbox Helm subset',
    );
  if (Object.keys(files).some(f => f.startsWith('charts/')))
    throw new TemplateError(
      'subcharts (charts/) are not supported by the sandbox Helm subset',
    );

  let values = files['values.yaml']
    ? parseValues('values.yaml', files['values.yaml'])
    : {};
  for (const vf of options.valueFiles ?? [])
    values = mergeValues(values, parseValues(vf.name, vf.content));
  if (options.values)
    values = mergeValues(values, parseValues('helm.values', options.values));
  if (options.valuesObject) values = mergeValues(values, options.valuesObject);
  for (const p of options.parameters ?? [])
    setParameter(values, p.name, p.value, p.forceString);

  const capitalize = (o: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(o).map(([k, v]) => [k[0].toUpperCase() + k.slice(1), v]),
    );
  const kubeVersion = options.kubeVersion ?? 'v1.30.0';
  const [major, minor] = kubeVersion.replace(/^v/, '').split('.');
  const top = {
    Values: values,
    Release: {
      Name: options.releaseName,
      Namespace: options.namespace,
      Service: 'Helm',
      IsInstall: true,
      IsUpgrade: false,
      Revision: 1,
    },
    Chart: capitalize(chart),
    Capabilities: {
      KubeVersion: { Version: kubeVersion, Major: major, Minor: minor },
      APIVersions: [],
    },
    Files: {},
  };

  const set = new TemplateSet();
  const templateFiles = Object.keys(files)
    .filter(f => f.startsWith('templates/'))
    .sort();
  for (const f of templateFiles) {
    const name = `${chart.name}/${f}`;
    set.add(name, files[f]);
  }
  const out: RenderedTemplate[] = [];
  for (const f of templateFiles) {
    const base = path.posix.basename(f);
    if (base.startsWith('_') || base === 'NOTES.txt') continue;
    if (!/\.(ya?ml|json|tpl)$/.test(base)) continue;
    const name = `${chart.name}/${f}`;
    const text = set.render(name, {
      ...top,
      Template: { Name: name, BasePath: `${chart.name}/templates` },
    });
    const documents = text
      .split(/^---[ \t]*(?:#.*)?$/m)
      .map(d => d.replace(/^\s*\n/, ''))
      .filter(d => d.replace(/#.*$/gm, '').trim() !== '');
    if (documents.length) out.push({ source: name, documents });
  }
  return out;
}
