import type { WorkflowStatus } from '@turnout/domain';
import type { AttemptSummary, WorkflowSummary } from './workflow-summary';

/** A row of turnout_workflow_summaries as pg answers it (bigints as strings). */
export interface WorkflowSummaryRow {
  workflow_id: string;
  stream_version: number;
  workflow_type: string;
  version: number;
  correlation_id: string | null;
  status: WorkflowStatus;
  start_time: string | number;
  update_time: string | number;
  end_time: string | number | null;
  input: Record<string, unknown>;
  output: Record<string, unknown> | null;
  reason_for_incompletion: string | null;
  failed_reference_task_names: string[];
  failed_task_names: string[];
  attempts: Record<string, AttemptSummary>;
}

/** The columns a WorkflowSummary is read from. */
export const WORKFLOW_SUMMARY_COLUMNS =
  'workflow_id, stream_version, workflow_type, version, correlation_id, status, start_time, update_time, end_time, ' +
  'input, output, reason_for_incompletion, failed_reference_task_names, failed_task_names, attempts';

export function workflowSummaryOf(row: WorkflowSummaryRow): WorkflowSummary {
  return {
    workflowId: row.workflow_id,
    streamVersion: row.stream_version,
    workflowType: row.workflow_type,
    version: row.version,
    correlationId: row.correlation_id,
    status: row.status,
    startTime: Number(row.start_time),
    updateTime: Number(row.update_time),
    endTime: row.end_time === null ? null : Number(row.end_time),
    input: row.input,
    output: row.output,
    reasonForIncompletion: row.reason_for_incompletion,
    failedReferenceTaskNames: row.failed_reference_task_names,
    failedTaskNames: row.failed_task_names,
    attempts: row.attempts,
  };
}
