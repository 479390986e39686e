import {
  EmptyState,
  MissingAnnotationEmptyState,
  ResponseErrorPanel,
  WarningPanel,
} from '@backstage/core-components';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { errorState } from '../../hooks/errors';

/**
 * A failed luffy call as a clear state: missing annotation (with the annotation to add), no
 * access, GitHub/Argo CD down, rate-limited (with the reset time), or the error itself.
 */
export function ErrorStatePanel(props: ErrorStatePanelProps) {
  return (
    <div data-testid="luffy-error-state">
      <ErrorState {...props} />
    </div>
  );
}

type ErrorStatePanelProps = {
  error: Error;
  /** The annotation the view needs, shown with the missing-annotation state. */
  annotation?: string;
  what?: string;
  onRetry?: () => void;
};

function ErrorState(props: ErrorStatePanelProps) {
  const state = errorState(props.error);
  const retry = props.onRetry && (
    <Button variant="outlined" onClick={props.onRetry}>
      Retry
    </Button>
  );
  switch (state.kind) {
    case 'missing-annotation':
      return props.annotation ? (
        <MissingAnnotationEmptyState annotation={props.annotation} />
      ) : (
        <EmptyState
          missing="field"
          title="Missing annotation"
          description={state.message}
        />
      );
    case 'no-access':
      return (
        <EmptyState
          missing="info"
          title="No access"
          description={`${state.message}. Ask an owner of the repository for read access, or check the GitHub integration.`}
          action={retry}
        />
      );
    case 'unavailable':
      return (
        <WarningPanel
          defaultExpanded
          severity="warning"
          title={`${props.what ?? 'GitHub'} is unavailable`}
          message={state.message}
        >
          {retry}
        </WarningPanel>
      );
    case 'rate-limited':
      return (
        <WarningPanel
          defaultExpanded
          severity="warning"
          title="GitHub rate limit reached"
          message={
            state.resetAt
              ? `GitHub refuses more requests until ${state.resetAt.toLocaleTimeString()} (rate limit resets).`
              : state.message
          }
        >
          <Typography variant="body2" data-testid="luffy-rate-limit-reset">
            {state.resetAt
              ? `Resets at ${state.resetAt.toISOString()}`
              : 'Try again later.'}
          </Typography>
          {retry}
        </WarningPanel>
      );
    default:
      return <ResponseErrorPanel error={props.error} />;
  }
}
