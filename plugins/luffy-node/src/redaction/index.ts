export {
  REDACTED,
  Redactor,
  isSecretName,
  redactEnv,
  redactText,
  type RedactionStats,
} from './redact';
