import type { WorkflowSummary } from './workflow-summary';

/** A running run of `orders` v1 started at 1000, with the fields a test changes. */
export const summaryOf = (workflowId: string, change: Partial<WorkflowSummary>): WorkflowSummary => ({
  workflowId,
  streamVersion: 1,
  workflowType: 'orders',
  version: 1,
  correlationId: null,
  status: 'RUNNING',
  startTime: 1_000,
  updateTime: 1_000,
  endTime: null,
  input: {},
  output: null,
  reasonForIncompletion: null,
  failedReferenceTaskNames: [],
  failedTaskNames: [],
  attempts: {},
  ...change,
});
