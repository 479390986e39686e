import Typography from '@material-ui/core/Typography';
import type { OperationResult } from '@openluffy/plugin-luffy-common';

/** The backend's message (Backstage error format) rather than "Request failed with 403". */
export function messageOf(err: unknown): string {
  const body = (err as { body?: { error?: { message?: string } } }).body;
  return body?.error?.message ?? (err as Error).message;
}

/** A dry run's result: the changes, the exact requests, a diff, and why it is destructive. */
export function OperationPreview(props: { preview: OperationResult }) {
  const { preview } = props;
  return (
    <div data-testid="luffy-operation-preview">
      <Typography variant="subtitle2">
        Dry run (nothing changed yet) — path: {preview.path}
      </Typography>
      <ul>
        {preview.changes.map((c, i) => (
          <li key={i}>{c.description}</li>
        ))}
      </ul>
      <Typography variant="subtitle2">Requests it will make</Typography>
      <ul>
        {preview.requests.map((r, i) => (
          <li key={i}>
            <code>
              {r.method} {r.path}
            </code>{' '}
            ({r.system})
          </li>
        ))}
      </ul>
      {typeof preview.details?.diff === 'string' && (
        <pre style={{ overflowX: 'auto' }}>{preview.details.diff}</pre>
      )}
      {preview.confirmation && (
        <Typography color="error">
          Destructive: {preview.confirmation.reason}.
        </Typography>
      )}
    </div>
  );
}
