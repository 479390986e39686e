import { startTestBackend } from '@backstage/backend-test-utils';
import {
  createTemplateAction,
  scaffolderActionsExtensionPoint,
} from '@backstage/plugin-scaffolder-node';
import { createLuffyActions } from './actions';
import { scaffolderModuleLuffy } from './module';

// The real actions unless a test replaces them.
jest.mock('./actions', () => {
  const actual = jest.requireActual('./actions');
  return { ...actual, createLuffyActions: jest.fn(actual.createLuffyActions) };
});

const probe = createTemplateAction({
  id: 'luffy:probe:test',
  description: 'stands in for the onboarding actions',
  schema: { input: { name: z => z.string() } },
  async handler() {},
});

async function registeredIds(): Promise<string[]> {
  const addActions = jest.fn();
  await startTestBackend({
    extensionPoints: [[scaffolderActionsExtensionPoint, { addActions }]],
    features: [scaffolderModuleLuffy],
  });
  return addActions.mock.calls.flat().map(a => a.id);
}

describe('scaffolderModuleLuffy', () => {
  it('adds every action of createLuffyActions() to the scaffolder', async () => {
    jest.mocked(createLuffyActions).mockReturnValueOnce([probe]);
    expect(await registeredIds()).toEqual(['luffy:probe:test']);
  });

  it('registers the onboarding actions once each, under luffy:', async () => {
    const ids = await registeredIds();
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter(id => !id.startsWith('luffy:'))).toEqual([]);
  });
});
