export * from './types';
export { createArgoCdClient } from './createArgoCdClient';
