import Typography from '@material-ui/core/Typography';
import type {
  InvestigationReport as InvestigationReportData,
  InvestigationStep,
  OperationResult,
} from '@openluffy/plugin-luffy-common';

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every(s => typeof s === 'string');

/** The report in an operation result, or undefined when the result carries none. */
export function investigationReportOf(
  result: OperationResult,
): InvestigationReportData | undefined {
  const r = result.details?.report as
    | Partial<InvestigationReportData>
    | undefined;
  if (
    !r ||
    typeof r.summary !== 'string' ||
    !isStringArray(r.findings) ||
    !isStringArray(r.evidence) ||
    !Array.isArray(r.steps)
  ) {
    return undefined;
  }
  return {
    ...r,
    suggestions: isStringArray(r.suggestions) ? r.suggestions : [],
  } as InvestigationReportData;
}

function Section(props: { title: string; items: string[]; pre?: boolean }) {
  if (!props.items.length) return null;
  return (
    <section aria-label={props.title}>
      <Typography variant="subtitle2">{props.title}</Typography>
      <ul>
        {props.items.map((item, i) => (
          <li key={i}>
            {props.pre ? (
              <code style={{ whiteSpace: 'pre-wrap' }}>{item}</code>
            ) : (
              item
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function stepOutcome(step: InvestigationStep): string {
  if (step.repeated) return 'repeated, not run';
  return step.ok ? 'ok' : 'failed';
}

const STOPPED_BY: Record<string, string> = {
  answer: 'answered',
  'step-cap': 'stopped at the step cap',
  'repeated-call': 'stopped on a repeated call',
  error: 'stopped on an error',
};

/** An investigation's report: summary, likely cause, findings, evidence, suggestions, steps. */
export function InvestigationReport(props: { result: OperationResult }) {
  const report = investigationReportOf(props.result);
  if (!report) {
    return (
      <Typography color="error" role="alert">
        The investigation returned no report.
      </Typography>
    );
  }
  return (
    <div data-testid="luffy-investigation-report" style={{ marginTop: 16 }}>
      <Typography variant="subtitle2">Summary</Typography>
      <Typography variant="body2" paragraph>
        {report.summary}
      </Typography>
      {report.likelyCause && (
        <Typography variant="body2" paragraph>
          <strong>Likely cause:</strong> {report.likelyCause}
          {typeof report.confidence === 'number'
            ? ` (confidence ${Math.round(report.confidence * 100)}%)`
            : ''}
        </Typography>
      )}
      <Section title="Findings" items={report.findings} />
      <Section title="Evidence" items={report.evidence} pre />
      <Section title="Suggestions" items={report.suggestions} />
      <section aria-label="Steps taken">
        <Typography variant="subtitle2">
          Steps taken ({report.steps.length})
        </Typography>
        <ol>
          {report.steps.map((s, i) => (
            <li key={i}>
              <details>
                <summary>
                  <code>{s.tool}</code>{' '}
                  {typeof s.input === 'object' &&
                  s.input !== null &&
                  Object.keys(s.input).length
                    ? JSON.stringify(s.input)
                    : ''}{' '}
                  — {stepOutcome(s)}, {s.durationMs} ms
                </summary>
                <pre style={{ whiteSpace: 'pre-wrap', overflowX: 'auto' }}>
                  {s.output}
                </pre>
              </details>
            </li>
          ))}
        </ol>
      </section>
      <Typography variant="caption" color="textSecondary">
        {report.investigator} investigator,{' '}
        {STOPPED_BY[report.stoppedBy] ?? report.stoppedBy}, {report.durationMs}{' '}
        ms
        {report.fallbackReason
          ? ` (the rules wrote the report: ${report.fallbackReason})`
          : ''}
      </Typography>
    </div>
  );
}
