export {
  OperationsMenu,
  ENVIRONMENT_ENTRIES,
  type MenuEntry,
} from './OperationsMenu';
export { WorkloadsPanel } from './WorkloadsPanel';
export { AuditTrailCard } from './AuditTrailCard';
export { useOperationsClient, type OperationsClient } from './operationsClient';
export { EntityAuditTrailCard } from './EntityAuditTrailCard';
export { KeyedTable, type KeyedColumn } from './KeyedTable';
