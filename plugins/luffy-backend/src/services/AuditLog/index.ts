export { actorOf } from './actor';
export { createAuditLog } from './createAuditLog';
export { redactSecrets, isSecretKey, REDACTED } from './redact';
export type { AuditLog, AuditMeta, AuditRecord, TrackOptions } from './types';
