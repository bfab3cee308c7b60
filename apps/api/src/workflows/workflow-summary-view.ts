import type { WorkflowSearchResult, WorkflowSummary } from '@turnout/workflow-search';

/** A time as Conductor's WorkflowSummary writes it (ISO 8601 in UTC, with ms). */
const isoTime = (epochMs: number): string => new Date(epochMs).toISOString();

/** Conductor's WorkflowSummary JSON: times as ISO strings, input and output as JSON strings. */
export function workflowSummaryView(summary: WorkflowSummary) {
  const input = JSON.stringify(summary.input);
  const output = JSON.stringify(summary.output ?? {});
  return {
    workflowType: summary.workflowType,
    version: summary.version,
    workflowId: summary.workflowId,
    correlationId: summary.correlationId ?? undefined,
    startTime: isoTime(summary.startTime),
    updateTime: isoTime(summary.updateTime),
    endTime: summary.endTime === null ? undefined : isoTime(summary.endTime),
    status: summary.status,
    input,
    output,
    reasonForIncompletion: summary.reasonForIncompletion ?? undefined,
    executionTime: summary.endTime === null ? 0 : summary.endTime - summary.startTime,
    failedReferenceTaskNames: summary.failedReferenceTaskNames.join(','),
    failedTaskNames: summary.failedTaskNames,
    priority: 0,
    inputSize: input.length,
    outputSize: output.length,
  };
}

/** Conductor's SearchResult<WorkflowSummary>. */
export function searchResultView(result: WorkflowSearchResult) {
  return { totalHits: result.totalHits, results: result.results.map(workflowSummaryView) };
}
