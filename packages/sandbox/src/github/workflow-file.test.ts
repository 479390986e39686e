import {
  dispatchInputs,
  evalEnvironment,
  evalIf,
  failingStep,
  failRules,
  parseWorkflow,
  triggeredBy,
} from './workflow-file';

describe('workflow files', () => {
  const wf = parseWorkflow(`name: CI
on:
  push:
    branches: [main, 'release/**']
  pull_request:
  workflow_dispatch:
    inputs:
      environment:
        required: true
        type: choice
        options: [dev, prod]
jobs:
  build:
    steps:
      - uses: actions/checkout@v4
      - name: Compile
        run: make
  deploy:
    name: Deploy it
    needs: [build]
    environment: \${{ inputs.environment || 'dev' }}
    steps:
      - run: |
          ./deploy.sh
          echo done
`)!;

  it('reads jobs, steps, needs, environments and dispatch inputs', () => {
    expect(wf.name).toBe('CI');
    expect(wf.jobs.map(j => [j.key, j.name, j.needs])).toEqual([
      ['build', 'build', []],
      ['deploy', 'Deploy it', ['build']],
    ]);
    expect(wf.jobs[0].steps.map(s => s.name)).toEqual([
      'Run actions/checkout@v4',
      'Compile',
    ]);
    expect(wf.jobs[1].steps[0].name).toBe('Run ./deploy.sh');
    expect(dispatchInputs(wf)).toEqual([
      {
        name: 'environment',
        required: true,
        default: undefined,
        type: 'choice',
        options: ['dev', 'prod'],
      },
    ]);
    expect(
      dispatchInputs(parseWorkflow('on: push\njobs: {}\n')!),
    ).toBeUndefined();
    expect(
      evalEnvironment(wf.jobs[1].environment, { environment: 'prod' }),
    ).toBe('prod');
    expect(evalEnvironment(wf.jobs[1].environment, {})).toBe('dev');
    expect(
      parseWorkflow('on: [push]\njobs: {}\n')!.jobs.map(j => j.key),
    ).toEqual(['build', 'test']);
  });

  it('applies the branch filters of push', () => {
    expect(triggeredBy(wf, 'push', 'main')).toBe(true);
    expect(triggeredBy(wf, 'push', 'release/1.2/hotfix')).toBe(true);
    expect(triggeredBy(wf, 'push', 'feature')).toBe(false);
    expect(triggeredBy(wf, 'push', null)).toBe(true);
    expect(triggeredBy(wf, 'schedule', 'main')).toBe(false);
    const ignore = parseWorkflow(
      "on:\n  push:\n    branches-ignore: ['wip/*']\n",
    )!;
    expect(triggeredBy(ignore, 'push', 'wip/x')).toBe(false);
    expect(triggeredBy(ignore, 'push', 'main')).toBe(true);
  });

  it('turns commit conventions into failing steps', () => {
    const names = [
      'Set up job',
      'Run actions/checkout@v4',
      'Compile',
      'Complete job',
    ];
    const job = { key: 'build', name: 'build' };
    expect(failingStep(failRules('fix [ci fail]', null), job, names, 1)).toBe(
      'Compile',
    );
    expect(failingStep(failRules('x', null), job, names, 1)).toBeNull();
    expect(
      failingStep(
        failRules('[ci fail: build/Run actions/checkout@v4]', null),
        job,
        names,
        1,
      ),
    ).toBe('Run actions/checkout@v4');
    expect(
      failingStep(failRules('[ci fail: test]', null), job, names, 1),
    ).toBeNull();
    expect(
      failingStep(failRules('[ci flaky: build]', null), job, names, 1),
    ).toBe('Compile');
    expect(
      failingStep(failRules('[ci flaky: build]', null), job, names, 2),
    ).toBeNull();
    expect(failingStep(failRules('', ''), job, names, 1)).toBe('Compile');
    // any content fails every job, unless it has `job:` lines
    expect(
      failingStep(
        failRules('', 'The sandbox CI fails commits containing this file.\n'),
        job,
        names,
        1,
      ),
    ).toBe('Compile');
    expect(
      failingStep(
        failRules('', '# only the tests\njob: test\n'),
        job,
        names,
        1,
      ),
    ).toBeNull();
    expect(
      failingStep(
        failRules('', 'job: build/Run actions/checkout@v4\n'),
        job,
        names,
        1,
      ),
    ).toBe('Run actions/checkout@v4');
  });

  it('evaluates the job conditions the sandbox understands', () => {
    const c = (over: Partial<Parameters<typeof evalIf>[1]> = {}) => ({
      event_name: 'workflow_run',
      ref_name: 'main',
      inputs: {},
      workflow_run: { conclusion: 'success' },
      needs: [],
      ...over,
    });
    const deployIf =
      "${{ github.event_name == 'workflow_dispatch' || github.event.workflow_run.conclusion == 'success' }}";
    expect(evalIf(deployIf, c())).toBe(true);
    expect(
      evalIf(deployIf, c({ workflow_run: { conclusion: 'failure' } })),
    ).toBe(false);
    expect(
      evalIf(
        deployIf,
        c({ event_name: 'workflow_dispatch', workflow_run: undefined }),
      ),
    ).toBe(true);
    expect(evalIf("github.ref_name != 'main'", c())).toBe(false);
    expect(evalIf(undefined, c({ needs: ['failure'] }))).toBe(false);
    expect(evalIf('always()', c({ needs: ['failure'] }))).toBe(true);
    expect(evalIf('failure()', c({ needs: ['success'] }))).toBe(false);
    expect(
      evalIf(
        "inputs.dry == 'true' && success()",
        c({ inputs: { dry: 'true' } }),
      ),
    ).toBe(true);
    // what the sandbox does not understand counts as true
    expect(evalIf("contains(github.event.head_commit.message, 'x')", c())).toBe(
      true,
    );
  });
});
