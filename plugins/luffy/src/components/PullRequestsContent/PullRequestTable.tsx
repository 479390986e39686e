import { Link, Table, type TableColumn } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import type { PullRequestSummary } from '@openluffy/plugin-luffy-common';
import { Checks } from './Checks';

export function age(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86400) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

export function ReviewDecision({ pr }: { pr: PullRequestSummary }) {
  switch (pr.reviewDecision) {
    case 'approved':
      return <Chip size="small" label="approved" color="primary" />;
    case 'changes-requested':
      return <Chip size="small" label="changes requested" color="secondary" />;
    case 'review-required':
      return <Chip size="small" label="review required" variant="outlined" />;
    default:
      return <Chip size="small" label="no review needed" variant="outlined" />;
  }
}

export function Mergeability({ pr }: { pr: PullRequestSummary }) {
  if (pr.isDraft) return <Chip size="small" label="draft" />;
  if (pr.mergeable === 'conflicting') {
    return <Chip size="small" label="conflicts" color="secondary" />;
  }
  if (pr.blockers.length) {
    return <Chip size="small" label="blocked" variant="outlined" />;
  }
  return <Chip size="small" label="ready" color="primary" variant="outlined" />;
}

/** The open pull requests: title, repo, author, age, labels, reviews, mergeability, checks. */
export function PullRequestTable(props: {
  items: PullRequestSummary[];
  onOpen(pr: PullRequestSummary): void;
}) {
  const columns: TableColumn<PullRequestSummary>[] = [
    {
      title: 'Pull request',
      render: pr => (
        <Box>
          <Link to={pr.url}>
            <Typography variant="body2" component="span">
              <b>#{pr.number}</b> {pr.title}
            </Typography>
          </Link>
          <Box mt={0.5} display="flex" flexWrap="wrap" style={{ gap: 4 }}>
            <Chip
              size="small"
              label={pr.role === 'gitops' ? `GitOps ${pr.repo}` : pr.repo}
              variant="outlined"
            />
            {pr.environments?.map(env => (
              <Chip key={env} size="small" label={env} variant="outlined" />
            ))}
            {pr.healing && (
              <Chip size="small" label="healing" color="primary" />
            )}
            {pr.isDraft && <Chip size="small" label="draft" />}
            {pr.labels
              .filter(l => l.name !== 'openluffy/healing')
              .map(l => (
                <Chip
                  key={l.name}
                  size="small"
                  label={l.name}
                  style={
                    l.color
                      ? { borderColor: `#${l.color}`, borderWidth: 2 }
                      : undefined
                  }
                  variant="outlined"
                />
              ))}
          </Box>
        </Box>
      ),
    },
    {
      title: 'Author',
      render: pr => pr.author.login,
    },
    {
      title: 'Age',
      render: pr => <span title={pr.createdAt}>{age(pr.createdAt)}</span>,
    },
    { title: 'Review', render: pr => <ReviewDecision pr={pr} /> },
    { title: 'Merge', render: pr => <Mergeability pr={pr} /> },
    { title: 'Checks', render: pr => <Checks checks={pr.checks} /> },
    {
      title: '',
      render: pr => (
        <Button
          variant="outlined"
          size="small"
          onClick={() => props.onOpen(pr)}
          aria-label={`Review #${pr.number}`}
        >
          Review
        </Button>
      ),
    },
  ];
  return (
    <Table<PullRequestSummary>
      title="Open pull requests"
      options={{
        paging: props.items.length > 20,
        pageSize: 20,
        search: props.items.length > 5,
        padding: 'dense',
      }}
      columns={columns}
      data={props.items}
    />
  );
}
