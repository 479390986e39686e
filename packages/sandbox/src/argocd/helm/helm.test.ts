import YAML from 'yaml';
import { renderChart, TemplateError, TemplateSet } from '.';
import { gitopsFiles } from '../../seed/manifests';

function render(src: string, data: unknown, defs = ''): string {
  const set = new TemplateSet();
  if (defs) set.add('_helpers.tpl', defs);
  set.add('t', src);
  return set.render('t', data);
}

function chartFromSeed() {
  const files = gitopsFiles();
  const chart: Record<string, string> = {};
  for (const [p, c] of Object.entries(files)) {
    if (p.startsWith('charts/service/'))
      chart[p.slice('charts/service/'.length)] = c;
  }
  return { chart, files };
}

describe('helm template subset', () => {
  it('renders values, release and chart fields', () => {
    const out = render(
      '{{ .Values.a.b }}|{{ .Release.Name }}|{{ .Release.Namespace }}|{{ .Chart.Name }}-{{ .Chart.Version }}',
      {
        Values: { a: { b: 'x' } },
        Release: { Name: 'rel', Namespace: 'ns' },
        Chart: { Name: 'c', Version: '1.0.0' },
      },
    );
    expect(out).toBe('x|rel|ns|c-1.0.0');
  });

  it('trims whitespace with {{- and -}}', () => {
    expect(render('a  \n  {{- "b" -}}  \n  c', {})).toBe('abc');
    expect(render('a {{ "b" }} c', {})).toBe('a b c');
    expect(render('{{ -3 }}', {})).toBe('-3');
  });

  it('supports if / else if / else and truthiness', () => {
    const t = '{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}';
    expect(render(t, { a: 1 })).toBe('A');
    expect(render(t, { a: 0, b: 'x' })).toBe('B');
    expect(render(t, { a: [], b: {} })).toBe('C');
    expect(
      render('{{ if and .a (not .b) }}y{{ end }}', { a: true, b: false }),
    ).toBe('y');
    expect(
      render('{{ if or .a .b }}y{{ else }}n{{ end }}', { a: '', b: '' }),
    ).toBe('n');
    expect(render('{{ if eq .a "x" "y" }}y{{ end }}', { a: 'y' })).toBe('y');
  });

  it('ranges over lists and maps (sorted keys) with variables', () => {
    expect(render('{{ range .l }}[{{ . }}]{{ end }}', { l: [1, 2] })).toBe(
      '[1][2]',
    );
    expect(
      render('{{ range $i, $v := .l }}{{ $i }}={{ $v }};{{ end }}', {
        l: ['a', 'b'],
      }),
    ).toBe('0=a;1=b;');
    expect(
      render('{{ range $k, $v := .m }}{{ $k }}:{{ $v }},{{ end }}', {
        m: { z: 1, a: 2 },
      }),
    ).toBe('a:2,z:1,');
    expect(render('{{ range .l }}x{{ else }}empty{{ end }}', { l: [] })).toBe(
      'empty',
    );
    expect(
      render('{{ range .l }}{{ $.top }}{{ end }}', { l: [1], top: 'T' }),
    ).toBe('T');
  });

  it('supports with, define/include/template and variables', () => {
    const defs = '{{- define "x.name" -}}{{ .n | default "dflt" }}{{- end -}}';
    expect(
      render('{{ with .a }}{{ .b }}{{ else }}none{{ end }}', { a: { b: 'B' } }),
    ).toBe('B');
    expect(render('{{ with .a }}{{ .b }}{{ else }}none{{ end }}', {})).toBe(
      'none',
    );
    expect(render('{{ include "x.name" . }}', { n: 'N' }, defs)).toBe('N');
    expect(render('{{ template "x.name" . }}', {}, defs)).toBe('dflt');
    expect(render('{{ $x := "v" }}{{ $x }}{{ $x = "w" }}{{ $x }}', {})).toBe(
      'vw',
    );
  });

  it('supports the documented functions in pipelines', () => {
    const data = { s: 'Hello-World-', n: 3, m: { b: [1, 2], a: 'x' } };
    expect(render('{{ .s | quote }}', data)).toBe('"Hello-World-"');
    expect(render('{{ .missing | default "d" | upper }}', data)).toBe('D');
    expect(render('{{ .s | lower | trimSuffix "-" }}', data)).toBe(
      'hello-world',
    );
    expect(render('{{ .s | trunc 5 }}', data)).toBe('Hello');
    expect(render('{{ printf "%s-%d-%v" "a" .n true }}', data)).toBe(
      'a-3-true',
    );
    expect(render('{{ toYaml .m }}', data)).toBe('a: x\nb:\n  - 1\n  - 2');
    expect(render('k:{{ toYaml .m | nindent 2 }}', data)).toBe(
      'k:\n  a: x\n  b:\n    - 1\n    - 2',
    );
    expect(render('{{ "a\nb" | indent 4 }}', data)).toBe('    a\n    b');
    expect(render('{{ required "need s" .s }}', data)).toBe('Hello-World-');
    expect(() => render('{{ required "need x" .x }}', data)).toThrow(/need x/);
    expect(render('{{ (printf "%s" .s) | lower }}', data)).toBe('hello-world-');
  });

  it('fails clearly on syntax outside the subset', () => {
    expect(() => render('{{ lookup "v1" "Pod" "" "" }}', {})).toThrow(
      /function "lookup" not defined \(not in the sandbox Helm subset\)/,
    );
    expect(() => render('{{ tpl .x . }}', { x: 'a' })).toThrow(
      /"tpl" is not supported/,
    );
    expect(() => render('{{ block "x" . }}{{ end }}', {})).toThrow(/block/);
    expect(() => render('{{ if .a }}x', {})).toThrow(/missing \{\{end\}\}/);
    expect(() => render('{{ .a.b.c }}', { a: {} })).toThrow(
      /nil pointer evaluating interface \{\}\.c/,
    );
    expect(() => render('{{ .a', {})).toThrow(TemplateError);
  });

  it('renders the demo chart with an environment values file', () => {
    const { chart, files } = chartFromSeed();
    const out = renderChart(chart, {
      releaseName: 'inventory-prod',
      namespace: 'acme-prod',
      valueFiles: [
        {
          name: 'values.yaml',
          content: files['apps/inventory/prod/values.yaml'],
        },
      ],
    });
    const docs = out.flatMap(t => t.documents.map(d => YAML.parse(d)));
    expect(docs.map(d => d.kind).sort()).toEqual([
      'Deployment',
      'Ingress',
      'Service',
    ]);
    const deploy = docs.find(d => d.kind === 'Deployment');
    expect(deploy.metadata.name).toBe('inventory');
    expect(deploy.metadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'inventory',
      'backstage.io/kubernetes-id': 'inventory',
      'openluffy.io/env': 'prod',
      'helm.sh/chart': 'service-0.4.0',
      'app.kubernetes.io/managed-by': 'Helm',
    });
    expect(deploy.spec.replicas).toBe(3);
    const c = deploy.spec.template.spec.containers[0];
    expect(c.image).toBe('registry.acme.example/inventory:1.4.2');
    expect(c.env).toEqual([
      {
        name: 'DATABASE_URL',
        value: 'postgres://inventory@postgres.acme-prod.svc:5432/inventory',
      },
      { name: 'DEMO_MEMORY_DEMAND', value: '180Mi' },
      { name: 'DEMO_REQUIRED_ENV', value: 'DATABASE_URL' },
    ]);
    expect(c.resources.limits.memory).toBe('256Mi');
    const ingress = docs.find(d => d.kind === 'Ingress');
    expect(ingress.spec.rules[0].host).toBe('inventory.prod.acme.example');
  });

  it('applies helm.values and parameters over value files', () => {
    const { chart, files } = chartFromSeed();
    const out = renderChart(chart, {
      releaseName: 'r',
      namespace: 'n',
      valueFiles: [
        { name: 'v', content: files['apps/inventory/dev/values.yaml'] },
      ],
      values: 'ingress:\n  enabled: false\n',
      parameters: [{ name: 'resources.limits.memory', value: '64Mi' }],
    });
    const docs = out.flatMap(t => t.documents.map(d => YAML.parse(d)));
    expect(docs.map(d => d.kind).sort()).toEqual(['Deployment', 'Service']);
    expect(
      docs[0].spec.template.spec.containers[0].resources.limits.memory,
    ).toBe('64Mi');
  });

  it('rejects charts with dependencies', () => {
    expect(() =>
      renderChart(
        {
          'Chart.yaml':
            'name: x\nversion: 1.0.0\ndependencies:\n  - name: redis\n',
        },
        { releaseName: 'r', namespace: 'n' },
      ),
    ).toThrow(/dependencies are not supported/);
  });
});
