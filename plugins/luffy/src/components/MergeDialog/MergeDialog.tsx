import { useState } from 'react';
import { githubAuthApiRef, useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Radio from '@material-ui/core/Radio';
import RadioGroup from '@material-ui/core/RadioGroup';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import {
  luffyPullRequestMergePermission,
  type MergeMethod,
  type MergePullRequestResponse,
  type PullRequestSummary,
} from '@openluffy/plugin-luffy-common';
import { luffyApiRef, type EntityName } from '../../api';
import { errorState } from '../../hooks/errors';

const METHOD_TEXT: Record<MergeMethod, string> = {
  squash: 'Squash and merge: one commit on the base branch',
  merge: 'Create a merge commit',
  rebase: 'Rebase and merge: replay the commits',
};

/** Why the Approve & Merge button is disabled, or undefined when it is enabled. */
function mergeDisabledReason(props: {
  permissionLoading: boolean;
  allowed: boolean;
  blockers: string[];
}): string | undefined {
  if (props.permissionLoading) return 'Checking your permissions…';
  if (!props.allowed) {
    return `You do not have the permission ${luffyPullRequestMergePermission.name} to merge from Backstage.`;
  }
  if (props.blockers.length) return props.blockers.join(' ');
  return undefined;
}

/**
 * "Approve & Merge": disabled with the reason when the user lacks `luffy.pullRequest.merge`
 * or the pull request is blocked (failing checks, conflicts, draft...); the dialog offers the
 * repository's merge methods and merges the head SHA the user reviewed, as the user on GitHub.
 */
export function MergeDialog(props: {
  entity: EntityName;
  pr: PullRequestSummary;
  /** The head SHA whose diff the user read. */
  reviewedSha: string;
  onMerged(result: MergePullRequestResponse): void;
}) {
  const { entity, pr, reviewedSha, onMerged } = props;
  const luffyApi = useApi(luffyApiRef);
  const githubAuth = useApi(githubAuthApiRef);
  const { allowed, loading: permissionLoading } = usePermission({
    permission: luffyPullRequestMergePermission,
  });
  const [open, setOpen] = useState(false);
  const [method, setMethod] = useState<MergeMethod>(
    pr.allowedMergeMethods[0] ?? 'squash',
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const disabledReason = mergeDisabledReason({
    permissionLoading,
    allowed,
    blockers: pr.blockers,
  });

  const merge = async () => {
    setBusy(true);
    setError(undefined);
    try {
      let githubToken: string | undefined;
      try {
        githubToken = await githubAuth.getAccessToken(['repo']);
      } catch {
        githubToken = undefined; // the backend says whether it needs one
      }
      const result = await luffyApi.mergePullRequest(
        entity,
        pr.repo,
        pr.number,
        {
          method,
          sha: reviewedSha,
          githubToken,
        },
      );
      setOpen(false);
      onMerged(result);
    } catch (e) {
      setError(errorState(e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const button = (
    <span>
      <Button
        variant="contained"
        color="primary"
        disabled={!!disabledReason}
        onClick={() => setOpen(true)}
      >
        Approve &amp; Merge
      </Button>
    </span>
  );

  return (
    <>
      {/* Always inside the tooltip (empty title = none) so the button keeps its element
          when the permission answers. */}
      <Tooltip title={disabledReason ?? ''}>{button}</Tooltip>
      {disabledReason && !permissionLoading && (
        <Typography
          variant="body2"
          color="textSecondary"
          data-testid="luffy-merge-blocked-reason"
        >
          {disabledReason}
        </Typography>
      )}
      <Dialog
        open={open}
        onClose={() => !busy && setOpen(false)}
        maxWidth="sm"
        fullWidth
      >
        <DialogTitle>
          Approve &amp; Merge {pr.repo}#{pr.number}
        </DialogTitle>
        <DialogContent>
          <Typography variant="body2" paragraph>
            {pr.title}
          </Typography>
          <Typography variant="body2" paragraph>
            You approve and merge on GitHub as yourself, at the commit you
            reviewed: <code>{reviewedSha.slice(0, 7)}</code>. If someone pushed
            since, GitHub refuses and nothing is merged.
          </Typography>
          <RadioGroup
            aria-label="Merge method"
            value={method}
            onChange={e => setMethod(e.target.value as MergeMethod)}
          >
            {pr.allowedMergeMethods.map(m => (
              <FormControlLabel
                key={m}
                value={m}
                control={<Radio />}
                label={METHOD_TEXT[m]}
              />
            ))}
          </RadioGroup>
          {error && (
            <Typography
              color="error"
              variant="body2"
              role="alert"
              data-testid="luffy-merge-error"
            >
              {error}
            </Typography>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)} disabled={busy}>
            Cancel
          </Button>
          <Button
            color="primary"
            variant="contained"
            onClick={merge}
            disabled={busy}
          >
            {busy ? 'Merging…' : 'Confirm merge'}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
