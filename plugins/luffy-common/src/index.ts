/**
 * Shared types, permissions and annotation constants of the OpenLuffy suite.
 *
 * @packageDocumentation
 */
export * from './annotations';
export * from './permissions';
export * from './pullRequests';
export * from './types';
export * from './operations';
export * from './metrics';
export * from './investigations';
