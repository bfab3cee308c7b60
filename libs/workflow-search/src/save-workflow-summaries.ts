import type { SqlRunner } from '@turnout/event-store';
import { type WorkflowSummary, waitingDomainsOf } from './workflow-summary';

/**
 * Writes these summaries in one statement. A row already at the same or a
 * later stream version is left as it is: a page that comes again, or a writer
 * that fell behind, never takes a summary back.
 */
export async function saveWorkflowSummaries(db: SqlRunner, summaries: readonly WorkflowSummary[]): Promise<void> {
  if (summaries.length === 0) return;
  const rows = summaries.map((summary) => ({
    workflow_id: summary.workflowId,
    stream_version: summary.streamVersion,
    workflow_type: summary.workflowType,
    version: summary.version,
    correlation_id: summary.correlationId,
    status: summary.status,
    start_time: summary.startTime,
    update_time: summary.updateTime,
    end_time: summary.endTime,
    input: summary.input,
    output: summary.output,
    reason_for_incompletion: summary.reasonForIncompletion,
    failed_reference_task_names: summary.failedReferenceTaskNames,
    failed_task_names: summary.failedTaskNames,
    attempts: summary.attempts,
    waiting_domains: waitingDomainsOf(summary),
  }));
  await db.query(
    `insert into turnout_workflow_summaries as summary (
       workflow_id, stream_version, workflow_type, version, correlation_id, status, start_time, update_time, end_time,
       input, output, reason_for_incompletion, failed_reference_task_names, failed_task_names, attempts, waiting_domains)
     select workflow_id, stream_version, workflow_type, version, correlation_id, status, start_time, update_time, end_time,
       input, output, reason_for_incompletion, failed_reference_task_names, failed_task_names, attempts, waiting_domains
     from jsonb_to_recordset($1::jsonb) as row (
       workflow_id text, stream_version integer, workflow_type text, version integer, correlation_id text, status text,
       start_time bigint, update_time bigint, end_time bigint, input jsonb, output jsonb, reason_for_incompletion text,
       failed_reference_task_names text[], failed_task_names text[], attempts jsonb, waiting_domains text[])
     on conflict (workflow_id) do update set
       stream_version = excluded.stream_version, workflow_type = excluded.workflow_type, version = excluded.version,
       correlation_id = excluded.correlation_id, status = excluded.status, start_time = excluded.start_time,
       update_time = excluded.update_time, end_time = excluded.end_time, input = excluded.input, output = excluded.output,
       reason_for_incompletion = excluded.reason_for_incompletion,
       failed_reference_task_names = excluded.failed_reference_task_names, failed_task_names = excluded.failed_task_names,
       attempts = excluded.attempts, waiting_domains = excluded.waiting_domains
     where summary.stream_version < excluded.stream_version`,
    [JSON.stringify(rows)],
  );
}
