import { useEntity } from '@backstage/plugin-catalog-react';
import { AuditTrailCard } from './AuditTrailCard';

/** The audit trail card of the current entity page. */
export function EntityAuditTrailCard() {
  const { entity } = useEntity();
  return (
    <AuditTrailCard
      entity={{
        kind: entity.kind,
        namespace: entity.metadata.namespace ?? 'default',
        name: entity.metadata.name,
      }}
    />
  );
}
