export * from './types';
export { createArgoCdClient } from './createArgoCdClient';
export { ArgoCdWaitError } from './createArgoCdClient';
