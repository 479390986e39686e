export * from './types';
export * from './errors';
export { createGithubClients } from './createGithubClients';
