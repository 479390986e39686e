export * from './types';
export { createGitopsRepo } from './createGitopsRepo';
export {
  editYamlDocuments,
  parseYamlDocuments,
  stringifyYamlDocuments,
  findYamlDocument,
} from './yamlDocuments';
