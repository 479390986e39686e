/*
 * One onboarding (the New Customer template's default steps, in order, with its inputs)
 * against the in-process sandbox
 * at its default time scale: seconds from the first step to all environments Healthy, our own
 * share (time not spent waiting on CI, Argo CD or pod start), and the GitHub API calls and
 * content-creating calls it made (sandbox counters). Goals (issue 9): ≤ 60 s in all, ≤ 5 s
 * ours, ≤ 20 GitHub calls, ≤ 6 content-creating calls. Figures only, never pass/fail.
 */
/* eslint-disable no-console, @backstage/no-undeclared-imports */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { createFetchTemplateAction } from '@backstage/plugin-scaffolder-backend';
import { createPublishGithubAction } from '@backstage/plugin-scaffolder-backend-module-github';
import {
  createLuffyArgocdAwaitHealthyAction,
  createLuffyConfigResolveAction,
  createLuffyGithubAwaitWorkflowAction,
  createLuffyGithubCheckRepoAction,
  createLuffyGitopsProvisionAction,
} from '../plugins/scaffolder-backend-module-luffy/src/actions';
import {
  startOnboardingSandbox,
  TEMPLATE_DIR,
} from '../plugins/scaffolder-backend-module-luffy/src/__testUtils__/onboarding';

const quiet = { info() {}, warn() {}, error() {}, debug() {}, child() { return quiet; } };

function context(input: any, workspacePath: string, templateInfo?: any) {
  const outputs: Record<string, any> = {};
  return {
    outputs,
    ctx: {
      input,
      logger: quiet,
      workspacePath,
      templateInfo,
      isDryRun: false,
      secrets: {},
      output: (k: string, v: unknown) => {
        outputs[k] = v;
      },
      checkpoint: async (o: { fn: () => Promise<unknown> }) => o.fn(),
      createTemporaryDirectory: async () => fs.mkdtempSync(path.join(workspacePath, 'tmp-')),
      getInitiatorCredentials: async () => ({ $$type: '@backstage/BackstageCredentials', principal: { type: 'user', userEntityRef: 'user:default/guest' } }),
      task: { id: 'bench' },
      user: {},
    } as any,
  };
}

export async function run() {
  const env = await startOnboardingSandbox({ timeScale: 1 });
  try {
    const integrations = ScmIntegrations.fromConfig(env.config);
    const ws = fs.mkdtempSync(path.join(env.dataDir, 'ws-'));
    const steps: Array<{ id: string; ms: number; waiting: boolean }> = [];
    const step = async (id: string, action: any, input: any, waiting = false, templateInfo?: any) => {
      const c = context(input, ws, templateInfo);
      const t0 = performance.now();
      await action.handler(c.ctx);
      steps.push({ id, ms: performance.now() - t0, waiting });
      return c.outputs;
    };
    const before = await env.githubCalls();
    const t0 = performance.now();
    const config = await step('luffy:config:resolve', createLuffyConfigResolveAction({ config: env.config }), {
      customer: 'globex', stack: 'python', baseHostname: 'apps.example.test', owner: 'group:default/platform-team',
    });
    const repo = await step('luffy:github:check-repo', createLuffyGithubCheckRepoAction({ clients: env.clients }), {
      repo: `${config.repoOwner}/${config.repoName}`, component: config.customer, existingRepo: false,
    });
    const templateInfo = { baseUrl: `file://${TEMPLATE_DIR}/template.yaml`, entityRef: 'template:default/customer-onboarding' };
    const fetchTemplate = createFetchTemplateAction({ reader: {} as any, integrations });
    await step('fetch:template common', fetchTemplate, { url: './skeletons/common', values: config.values }, false, templateInfo);
    await step('fetch:template python', fetchTemplate, { url: './skeletons/python', values: config.values }, false, templateInfo);
    // as the template's publish step (repo, push, branch protection) on its default path: no
    // registry token, so no repository secret (CI pushes with GITHUB_TOKEN); the opt-in GitHub
    // environments (githubEnvironments) are off by default
    const publish = repo.exists
      ? {}
      : await step('publish:github', createPublishGithubAction({ integrations, config: new ConfigReader({}) }), {
          repoUrl: config.repoUrl, description: config.values.description, defaultBranch: 'main', repoVisibility: 'internal',
          gitCommitMessage: 'Onboard globex (OpenLuffy New Customer)', protectDefaultBranch: true, requiredApprovingReviewCount: 1,
        });
    const afterScaffold = await env.githubCalls();
    await step('luffy:gitops:provision', createLuffyGitopsProvisionAction({ clients: env.clients }), {
      gitopsRepo: config.gitopsRepo, customer: config.customer, environments: config.environments, secretNames: config.secretNames,
      secretStore: config.secretStore, argocd: config.argocd, branch: config.argocd.targetRevision,
    });
    const afterProvision = await env.githubCalls();
    await step('luffy:github:await-workflow', createLuffyGithubAwaitWorkflowAction({ clients: env.clients }), {
      repo: `${config.repoOwner}/${config.repoName}`, workflow: config.ci.workflow, branch: config.ci.branch, headSha: publish.commitHash,
    }, true);
    const afterCi = await env.githubCalls();
    await step('luffy:argocd:await-healthy', createLuffyArgocdAwaitHealthyAction({ clients: env.clients }), {
      apps: config.appNames, rootApp: config.argocd.rootApp, environments: config.environments,
    }, true);
    const total = performance.now() - t0;
    const after = await env.githubCalls();
    const ours = steps.filter(s => !s.waiting).reduce((a, s) => a + s.ms, 0);
    console.log('step                                   seconds');
    for (const s of steps) console.log(`${s.id.padEnd(38)} ${(s.ms / 1000).toFixed(2).padStart(7)}${s.waiting ? '  (waiting on CI / Argo CD / pods)' : ''}`);
    console.log(`\ncreation → all environments Healthy: ${(total / 1000).toFixed(1)} s (goal ≤ 60 s)`);
    console.log(`our share (not waiting on CI, Argo CD, pods): ${(ours / 1000).toFixed(2)} s (goal ≤ 5 s)`);
    const delta = Object.entries(after.counters)
      .map(([k, n]) => [k, n - (before.counters[k] ?? 0)] as const)
      .filter(([, n]) => n > 0);
    const gitProtocol = delta.filter(([k]) => !k.includes(' /api/'));
    const gitCalls = gitProtocol.reduce((a, [, n]) => a + n, 0);
    const gitPushes = gitProtocol.filter(([k]) => k.endsWith('git-receive-pack')).reduce((a, [, n]) => a + n, 0);
    const content = after.content - before.content;
    const gitFetches = gitProtocol.filter(([k]) => k.startsWith('github POST') && k.endsWith('git-upload-pack')).reduce((a, [, n]) => a + n, 0);
    console.log(`GitHub calls: ${after.total - before.total} in all (goal ≤ 20): ${after.total - before.total - gitCalls} REST + ${gitCalls} git protocol (the skeleton push)`);
    console.log(`content-creating: ${content - gitFetches} (goal ≤ 6): ${content - gitFetches - gitPushes} REST writes + ${gitPushes} git push`);
    console.log(`  check-repo + publish:github: ${afterScaffold.total - before.total} calls, ${afterScaffold.content - before.content} content-creating`);
    console.log(`  luffy:gitops:provision: ${afterProvision.total - afterScaffold.total} calls, ${afterProvision.content - afterScaffold.content} content-creating`);
    console.log(`  luffy:github:await-workflow: ${afterCi.total - afterProvision.total} calls (polling)`);
    console.log(`  luffy:argocd:await-healthy: ${after.total - afterCi.total} GitHub calls`);
    console.log('  by endpoint:');
    for (const [k, n] of delta) console.log(`  ${String(n).padStart(4)} ${k.replace(/^github /, '')}`);
  } finally {
    await env.stop();
  }
}
