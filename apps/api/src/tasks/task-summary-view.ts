import type { TaskSearchResult, TaskSummary } from '@turnout/task-executions';

/** A time as Conductor's summaries write it (ISO 8601 in UTC, with ms). */
const isoTime = (epochMs: number | null): string | undefined => (epochMs === null ? undefined : new Date(epochMs).toISOString());

/**
 * Conductor's TaskSummary JSON, times as ISO strings, plus Turnout's
 * `referenceTaskName`. Left out: input and output (the projection keeps no
 * payloads; GET /api/tasks/{taskId} has them) and correlationId.
 */
export function taskSummaryView(summary: TaskSummary) {
  return {
    taskId: summary.taskId,
    workflowId: summary.workflowId,
    workflowType: summary.workflowType,
    taskType: summary.taskType,
    taskDefName: summary.taskType,
    taskReferenceName: summary.referenceTaskName,
    status: summary.status,
    domain: summary.domain ?? undefined,
    scheduledTime: isoTime(summary.scheduledTime),
    startTime: isoTime(summary.startTime),
    updateTime: isoTime(summary.updateTime),
    endTime: isoTime(summary.endTime),
    executionTime: summary.startTime === null || summary.endTime === null ? 0 : summary.endTime - summary.startTime,
    queueWaitTime: summary.startTime === null ? 0 : summary.startTime - summary.scheduledTime,
    reasonForIncompletion: summary.reasonForIncompletion ?? undefined,
    workflowPriority: 0,
  };
}

/** Conductor's SearchResult<TaskSummary>. */
export function taskSearchResultView(result: TaskSearchResult) {
  return { totalHits: result.totalHits, results: result.results.map(taskSummaryView) };
}
