import {
  Link,
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
} from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import type {
  CheckState,
  PullRequestSummary,
} from '@openluffy/plugin-luffy-common';

export function CheckStatus({ state }: { state: CheckState }) {
  switch (state) {
    case 'success':
      return <StatusOK>passed</StatusOK>;
    case 'failure':
      return <StatusError>failed</StatusError>;
    case 'pending':
      return <StatusPending>running</StatusPending>;
    case 'cancelled':
      return <StatusError>cancelled</StatusError>;
    default:
      return <StatusAborted>{state}</StatusAborted>;
  }
}

/** Each CI check of the head commit: name, state, link. */
export function Checks({ checks }: { checks: PullRequestSummary['checks'] }) {
  if (!checks.items.length) return <span>no checks</span>;
  return (
    <Box display="flex" flexDirection="column" data-testid="luffy-checks">
      {checks.items.map(c => (
        <Box key={`${c.kind}:${c.name}`} display="flex" alignItems="center">
          <CheckStatus state={c.state} />
          <Box ml={0.5}>
            {c.url ? <Link to={c.url}>{c.name}</Link> : c.name}
          </Box>
        </Box>
      ))}
    </Box>
  );
}
