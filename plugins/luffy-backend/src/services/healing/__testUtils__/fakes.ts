import type { Entity } from '@backstage/catalog-model';
import type { GitopsRepo, LuffyClients } from '@openluffy/plugin-luffy-node';

/** Fake credentials of the right shape (none is real). */
export const SECRETS = {
  awsKey: 'AKIAIOSFODNN7EXAMPLE',
  jwt: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  dbPassword: 'hunter2-s3cr3t-pw',
  pemBody: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
  envSecret: 'super-secret-env-value-42',
};

export const DEPLOYMENT_YAML = `# Checkout (dev). Managed by Argo CD.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: checkout
  template:
    metadata:
      labels:
        app.kubernetes.io/name: checkout
    spec:
      containers:
        - name: checkout
          image: registry.acme.example/checkout:1.4.2
          resources:
            limits:
              memory: 256Mi # keep above the demand
`;

export const entity = (name: string, autonomy: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    annotations: {
      'backstage.io/kubernetes-id': name,
      'openluffy.io/gitops-repo': 'acme/gitops',
      'openluffy.io/gitops-path': `apps/${name}/{env}`,
      'openluffy.io/autonomy': autonomy,
    },
  },
  spec: { type: 'service', owner: 'platform-team', lifecycle: 'production' },
});

export function crashingPod(workload: string, reason: 'OOMKilled' | 'Error') {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${workload}-abc12-xyz99`,
      namespace: 'acme-dev',
      labels: {
        'backstage.io/kubernetes-id': workload,
        'pod-template-hash': 'abc12',
      },
      ownerReferences: [
        {
          kind: 'ReplicaSet',
          name: `${workload}-abc12`,
          controller: true,
          apiVersion: 'apps/v1',
          uid: 'u',
        },
      ],
    },
    status: {
      containerStatuses: [
        {
          name: workload,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: {
            terminated: {
              reason,
              exitCode: reason === 'OOMKilled' ? 137 : 1,
              finishedAt: new Date().toISOString(),
            },
          },
          restartCount: 3,
          ready: false,
        },
      ],
    },
  };
}

export function fakes(options: { pods: any[]; logs: string[] }) {
  const prs: Array<{
    branch: string;
    title: string;
    body?: string;
    files: any[];
    labels?: string[];
  }> = [];
  const kubernetes = {
    clusters: () => [{ name: 'sandbox', url: 'http://x' }],
    list: jest.fn(async (kind: { plural: string }) => {
      const items: Record<string, any[]> = {
        pods: options.pods,
        configmaps: [{ data: { LOG_LEVEL: 'info' } }],
      };
      return [{ cluster: 'sandbox', items: items[kind.plural] ?? [] }];
    }),
    podLogs: jest.fn(async () => options.logs.join('\n')),
    events: jest.fn(async () => [
      {
        type: 'Warning',
        reason: 'BackOff',
        message: `Back-off restarting failed container; curl -H "Authorization: Bearer ${SECRETS.jwt}"`,
        count: 4,
      },
    ]),
    getDeployment: jest.fn(async (_c: string, _ns: string, name: string) => ({
      spec: {
        replicas: 1,
        template: {
          spec: {
            containers: [
              {
                name,
                image: 'x',
                env: [
                  { name: 'DB_PASSWORD', value: SECRETS.envSecret },
                  {
                    name: 'API_TOKEN',
                    valueFrom: { secretKeyRef: { name: 's', key: 'k' } },
                  },
                ],
                resources: { limits: { memory: '256Mi' } },
              },
            ],
          },
        },
      },
    })),
  };
  const repo: Partial<GitopsRepo> = {
    listFolder: async folder =>
      folder.startsWith('apps/') && folder.endsWith('/dev')
        ? [
            {
              name: 'deployment.yaml',
              path: `${folder}/deployment.yaml`,
              type: 'file',
              sha: 's',
            },
          ]
        : [],
    readFile: async p => ({
      path: p,
      content: DEPLOYMENT_YAML.replace(/checkout/g, p.split('/')[1]),
      sha: 's',
    }),
    openPullRequest: async o => {
      prs.push(o);
      return {
        number: prs.length,
        url: `http://gh/acme/gitops/pull/${prs.length}`,
        branch: o.branch,
        base: 'main',
        headSha: 'h',
        created: true,
      };
    },
  };
  const octokit = {
    repos: { listCommits: async () => ({ data: [] }) },
    pulls: {
      get: async () => ({
        data: {
          merged: false,
          state: 'open',
          head: { sha: 'h' },
          title: 't',
          number: 1,
          html_url: 'u',
        },
      }),
      merge: async () => ({ data: { sha: 'merged-sha' } }),
    },
  };
  const clients = {
    kubernetes,
    argocd: {
      listApplications: async () => [],
      findApplication: async () => [],
    },
    github: {
      forRepo: async () => ({ octokit }),
      forHost: async () => ({ octokit }),
    },
  } as unknown as LuffyClients;
  return { clients, repo: repo as GitopsRepo, prs };
}
