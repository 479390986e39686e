/**
 * The report of a read-only investigation ("why is X slow/broken?"): the luffy backend's
 * `POST /entity/:namespace/:kind/:name/investigate` and the `investigate` operation
 * (`details.report`).
 */

/** Why an investigation ended. @public */
export type InvestigationStop =
  | 'answer'
  | 'step-cap'
  | 'repeated-call'
  | 'error';

/** One tool call of an investigation (its output redacted and shortened). @public */
export type InvestigationStep = {
  tool: string;
  input: unknown;
  ok: boolean;
  /** Set when the call repeated an earlier one and was not run again. */
  repeated?: boolean;
  output: string;
  durationMs: number;
};

/** What an investigation returns. @public */
export type InvestigationReport = {
  entityRef: string;
  question: string;
  environment?: string;
  investigator: string;
  summary: string;
  likelyCause?: string;
  confidence?: number;
  findings: string[];
  evidence: string[];
  suggestions: string[];
  steps: InvestigationStep[];
  stoppedBy: InvestigationStop;
  /** Set when the model could not finish and the rules wrote the report. */
  fallbackReason?: string;
  modelCalls?: number;
  durationMs: number;
};
