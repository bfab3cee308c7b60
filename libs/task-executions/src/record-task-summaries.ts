import type { SqlRunner } from '@turnout/event-store';
import type { TaskSummaryChanges } from './task-summary';

const SCHEDULED_COLUMNS =
  'task_id text, workflow_id text, workflow_type text, task_type text, reference_task_name text, domain text, status text, retry_count integer, ' +
  'scheduled_time bigint, start_time bigint, end_time bigint, update_time bigint, reason_for_incompletion text, worker_id text, scheduled_version integer, stream_version integer';

/**
 * Writes a page's attempts: those it scheduled (inserted whole), the changes
 * to earlier ones, and the attempts a restart or a rerun dropped (removed: the
 * run no longer has them). A row already at the same or a later stream version is
 * left as it is, so a page that comes again changes nothing. Three statements
 * at most, whatever the number of attempts.
 */
export async function recordTaskSummaries(db: SqlRunner, changes: TaskSummaryChanges): Promise<void> {
  if (changes.scheduled.length > 0) {
    await db.query(
      `insert into turnout_task_summaries as task (
         task_id, workflow_id, workflow_type, task_type, reference_task_name, domain, status, retry_count,
         scheduled_time, start_time, end_time, update_time, reason_for_incompletion, worker_id, scheduled_version, stream_version)
       select task_id, workflow_id,
         -- A skipped task's event names no workflow type: the run's earlier attempts have it (the first is scheduled with the start).
         coalesce(workflow_type, (select other.workflow_type from turnout_task_summaries as other where other.workflow_id = row.workflow_id limit 1), ''),
         task_type, reference_task_name, domain, status, retry_count,
         scheduled_time, start_time, end_time, update_time, reason_for_incompletion, worker_id, scheduled_version, stream_version
       from jsonb_to_recordset($1::jsonb) as row (${SCHEDULED_COLUMNS})
       on conflict (task_id) do update set
         status = excluded.status, start_time = excluded.start_time, end_time = excluded.end_time, update_time = excluded.update_time,
         reason_for_incompletion = excluded.reason_for_incompletion, worker_id = excluded.worker_id, stream_version = excluded.stream_version
       where task.stream_version < excluded.stream_version`,
      [
        JSON.stringify(
          changes.scheduled.map((task) => ({
            task_id: task.taskId,
            workflow_id: task.workflowId,
            workflow_type: task.workflowType,
            task_type: task.taskType,
            reference_task_name: task.referenceTaskName,
            domain: task.domain,
            status: task.status,
            retry_count: task.retryCount,
            scheduled_time: task.scheduledTime,
            start_time: task.startTime,
            end_time: task.endTime,
            update_time: task.updateTime,
            reason_for_incompletion: task.reasonForIncompletion,
            worker_id: task.workerId,
            scheduled_version: task.scheduledVersion,
            stream_version: task.streamVersion,
          })),
        ),
      ],
    );
  }
  if (changes.changed.length > 0) {
    await db.query(
      `update turnout_task_summaries as task set
         status = coalesce(change.status, task.status), start_time = coalesce(change.start_time, task.start_time),
         end_time = coalesce(change.end_time, task.end_time), update_time = greatest(change.update_time, task.update_time),
         reason_for_incompletion = coalesce(change.reason_for_incompletion, task.reason_for_incompletion),
         worker_id = coalesce(change.worker_id, task.worker_id), stream_version = change.stream_version
       from jsonb_to_recordset($1::jsonb) as change (
         task_id text, status text, start_time bigint, end_time bigint, update_time bigint, reason_for_incompletion text, worker_id text, stream_version integer)
       where task.task_id = change.task_id and task.stream_version < change.stream_version`,
      [
        JSON.stringify(
          changes.changed.map((change) => ({
            task_id: change.taskId,
            status: change.status,
            start_time: change.startTime,
            end_time: change.endTime,
            update_time: change.updateTime,
            reason_for_incompletion: change.reasonForIncompletion,
            worker_id: change.workerId,
            stream_version: change.streamVersion,
          })),
        ),
      ],
    );
  }
  if (changes.dropped.length > 0) {
    await db.query(
      `delete from turnout_task_summaries as task
       using jsonb_to_recordset($1::jsonb) as dropped (workflow_id text, from_task_id text, stream_version integer)
       where task.workflow_id = dropped.workflow_id and task.scheduled_version < dropped.stream_version
         and task.scheduled_version >= coalesce(
           (select origin.scheduled_version from turnout_task_summaries as origin where origin.task_id = dropped.from_task_id), 0)`,
      [
        JSON.stringify(
          changes.dropped.map(({ workflowId, fromTaskId, streamVersion }) => ({ workflow_id: workflowId, from_task_id: fromTaskId, stream_version: streamVersion })),
        ),
      ],
    );
  }
}
