import {
  Content,
  ContentHeader,
  EmptyState,
  Progress,
  ResponseErrorPanel,
  SupportButton,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import { luffyApiRef } from '../../api';
import { IncidentTable } from '../IncidentTable';

/**
 * /luffy: every incident across the catalog whose fix waits for a human decision. The app
 * shell renders the page header from the PageBlueprint title.
 */
export function PendingApprovalsPage() {
  const luffyApi = useApi(luffyApiRef);
  const { value, loading, error } = useAsync(
    () => luffyApi.listIncidents({ status: ['awaiting-approval'] }),
    [luffyApi],
  );
  return (
    <Content>
      <ContentHeader title="Awaiting approval">
        <SupportButton>
          Incidents whose proposed fix (a pull request against the GitOps
          repository) waits for a human to approve or dismiss it.
        </SupportButton>
      </ContentHeader>
      {loading && <Progress />}
      {error && <ResponseErrorPanel error={error} />}
      {value && value.items.length === 0 && (
        <EmptyState
          missing="data"
          title="Nothing waits for approval"
          description="When OpenLuffy proposes a fix for a service in propose mode, it appears here."
        />
      )}
      {value && value.items.length > 0 && (
        <IncidentTable title="Incidents" incidents={value.items} showEntity />
      )}
    </Content>
  );
}
