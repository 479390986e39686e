/**
 * Backend library shared by the luffy backend plugin and the scaffolder module: the ONE GitHub
 * client, Argo CD client and Kubernetes access layer, GitOps repository editing, and the
 * extension points for diagnosers, detectors and notifiers.
 *
 * @packageDocumentation
 */
export {
  readEntitySettings,
  type EntitySettings,
  type RepoRef,
} from './entitySettings';
export * from './github';
export * from './gitops';
export * from './argocd';
export * from './kubernetes';
export * from './extensions';
export {
  luffyClientsServiceRef,
  createLuffyClients,
  type LuffyClients,
} from './service';
export * from './healing';
export * from './redaction';
