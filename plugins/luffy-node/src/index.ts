/**
 * Backend library shared by the luffy backend plugin and the scaffolder module.
 *
 * @packageDocumentation
 */
export {
  readEntitySettings,
  type EntitySettings,
  type RepoRef,
} from './entitySettings';
