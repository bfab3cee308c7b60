import type { WorkflowEvent } from './events';

/**
 * What a durable timer waits for:
 * - RETRY: a failed attempt's retry delay (taskId: the attempt it retries);
 * - POLL_TIMEOUT: a scheduled task no worker has taken (pollTimeoutSeconds);
 * - RESPONSE_TIMEOUT: a held task whose worker went quiet (responseTimeoutSeconds);
 * - TASK_TIMEOUT: a task not done in time (timeoutSeconds, from its first start);
 * - WORKFLOW_TIMEOUT: the run's own timeoutSeconds (taskId null);
 * - WAIT: a WAIT task's duration or until.
 */
export type TimerKind = 'RETRY' | 'POLL_TIMEOUT' | 'RESPONSE_TIMEOUT' | 'TASK_TIMEOUT' | 'WORKFLOW_TIMEOUT' | 'WAIT';

export const TIMER_KINDS: readonly TimerKind[] = ['RETRY', 'POLL_TIMEOUT', 'RESPONSE_TIMEOUT', 'TASK_TIMEOUT', 'WORKFLOW_TIMEOUT', 'WAIT'];

export interface WorkflowTimer {
  workflowId: string;
  kind: TimerKind;
  taskId: string | null;
  /** Epoch ms. */
  dueAt: number;
}

/**
 * The timers an event sets. Plain data of the event alone, so a projection of
 * the log can keep them as durable rows; a timer that is stale when it fires
 * (its task moved on, its deadline was extended) decides nothing.
 */
export function timersOf(workflowId: string, event: WorkflowEvent): WorkflowTimer[] {
  const timer = (kind: TimerKind, taskId: string | null, dueAt: number | null | undefined): WorkflowTimer[] =>
    dueAt === null || dueAt === undefined ? [] : [{ workflowId, kind, taskId, dueAt }];
  switch (event.type) {
    case 'WorkflowStarted':
      return timer('WORKFLOW_TIMEOUT', null, event.data.timeoutAt);
    case 'WorkflowRetried':
    case 'WorkflowRestarted':
    case 'WorkflowRerun':
      return timer('WORKFLOW_TIMEOUT', null, event.data.timeoutAt);
    case 'TaskScheduled':
      return [...timer('POLL_TIMEOUT', event.data.taskId, event.data.pollTimeoutAt), ...timer('WAIT', event.data.taskId, event.data.waitUntil)];
    case 'TaskRetryDelayed':
      return timer('RETRY', event.data.retriedTaskId, event.data.dueAt);
    case 'TaskStarted':
      return [...timer('RESPONSE_TIMEOUT', event.data.taskId, event.data.responseTimeoutAt), ...timer('TASK_TIMEOUT', event.data.taskId, event.data.timeoutAt)];
    case 'TaskProgressed':
      return timer('RESPONSE_TIMEOUT', event.data.taskId, event.data.responseTimeoutAt);
    case 'TaskTimedOut':
    case 'TaskTimeoutAlerted':
    case 'TaskCanceled':
    case 'TaskCompleted':
    case 'TaskFailed':
    case 'WorkflowCompleted':
    case 'WorkflowFailed':
    case 'WorkflowTimedOut':
    case 'WorkflowTimeoutAlerted':
    case 'WorkflowTerminated':
    case 'WorkflowPaused':
    case 'WorkflowResumed':
    case 'TaskSkipped':
    case 'TaskToDomainChanged':
      return [];
    default: {
      const unknownEvent: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknownEvent)}`);
    }
  }
}
