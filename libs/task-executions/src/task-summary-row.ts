import type { TaskStatus } from '@turnout/domain';
import type { TaskSummary } from './task-summary';

export const TASK_SUMMARY_COLUMNS =
  'task_id, workflow_id, workflow_type, task_type, reference_task_name, domain, status, retry_count, scheduled_time, start_time, end_time, update_time, reason_for_incompletion, worker_id, scheduled_version, stream_version';

export interface TaskSummaryRow {
  task_id: string;
  workflow_id: string;
  workflow_type: string;
  task_type: string;
  reference_task_name: string;
  domain: string | null;
  status: TaskStatus;
  retry_count: number;
  // bigint columns: pg answers them as text, json_agg as numbers.
  scheduled_time: string | number;
  start_time: string | number | null;
  end_time: string | number | null;
  update_time: string | number;
  reason_for_incompletion: string | null;
  worker_id: string | null;
  scheduled_version: number;
  stream_version: number;
}

const epochMs = (value: string | number | null): number | null => (value === null ? null : Number(value));

export function taskSummaryOf(row: TaskSummaryRow): TaskSummary {
  return {
    taskId: row.task_id,
    workflowId: row.workflow_id,
    workflowType: row.workflow_type,
    taskType: row.task_type,
    referenceTaskName: row.reference_task_name,
    domain: row.domain,
    status: row.status,
    retryCount: row.retry_count,
    scheduledTime: Number(row.scheduled_time),
    startTime: epochMs(row.start_time),
    endTime: epochMs(row.end_time),
    updateTime: Number(row.update_time),
    reasonForIncompletion: row.reason_for_incompletion,
    workerId: row.worker_id,
    scheduledVersion: row.scheduled_version,
    streamVersion: row.stream_version,
  };
}
