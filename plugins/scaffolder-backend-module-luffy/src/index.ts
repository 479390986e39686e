/***/
/**
 * The luffy module for @backstage/plugin-scaffolder-backend.
 *
 * @packageDocumentation
 */

export { scaffolderModuleLuffy as default } from './module';
