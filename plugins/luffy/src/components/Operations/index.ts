export { OperationsMenu } from './OperationsMenu';
export { AuditTrailCard } from './AuditTrailCard';
export { useOperationsClient, type OperationsClient } from './operationsClient';
export { EntityAuditTrailCard } from './EntityAuditTrailCard';
