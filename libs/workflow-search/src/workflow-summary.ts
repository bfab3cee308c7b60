import type { WorkflowEvent, WorkflowStatus } from '@turnout/domain';

/** What search keeps of one attempt of the current (re)start that has not completed. */
export interface AttemptSummary {
  referenceTaskName: string;
  taskType: string;
  domain: string | null;
  /** SCHEDULED or IN_PROGRESS: waiting in its queue, or held by a worker. */
  open: boolean;
}

/** One run as search finds it (Conductor's WorkflowSummary, in Turnout's types). Times are epoch ms. */
export interface WorkflowSummary {
  workflowId: string;
  /** The last event of the run's stream folded in: an event at or below it is one seen before. */
  streamVersion: number;
  workflowType: string;
  version: number;
  correlationId: string | null;
  status: WorkflowStatus;
  startTime: number;
  updateTime: number;
  endTime: number | null;
  input: Record<string, unknown>;
  output: Record<string, unknown> | null;
  reasonForIncompletion: string | null;
  /** The task that failed the run (its reference name and its type), as Conductor lists them. */
  failedReferenceTaskNames: string[];
  failedTaskNames: string[];
  /**
   * Attempts by task id, since the run (re)started, but for the completed ones:
   * a completed attempt can neither wait in a domain nor fail the run, and the
   * row (rewritten with every page that touches the run) stays small however
   * many tasks the run has.
   */
  attempts: Record<string, AttemptSummary>;
}

/** Completed, failed, timed out or terminated: nothing waits any more, until a retry or a restart. */
export const hasEnded = (summary: WorkflowSummary): boolean => summary.status !== 'RUNNING' && summary.status !== 'PAUSED';

/** The domains the run has a task waiting in (none once it has ended). */
export function waitingDomainsOf(summary: WorkflowSummary): string[] {
  if (hasEnded(summary)) return [];
  const domains = Object.values(summary.attempts)
    .filter((attempt) => attempt.open)
    .map((attempt) => attempt.domain)
    .filter((domain): domain is string => domain !== null);
  return [...new Set(domains)].sort();
}

const completed = (summary: WorkflowSummary, taskId: string, at: number): WorkflowSummary => {
  const { [taskId]: _completed, ...attempts } = summary.attempts;
  return { ...summary, attempts, updateTime: at };
};

const closed = (summary: WorkflowSummary, taskId: string, at: number): WorkflowSummary => {
  const attempt = summary.attempts[taskId];
  const attempts = attempt === undefined ? summary.attempts : { ...summary.attempts, [taskId]: { ...attempt, open: false } };
  return { ...summary, attempts, updateTime: at };
};

/** A run that ended: how, when and why. */
const ended = (summary: WorkflowSummary, status: WorkflowStatus, endTime: number, reasonForIncompletion: string | null): WorkflowSummary => ({
  ...summary,
  status,
  endTime,
  updateTime: endTime,
  reasonForIncompletion,
});

/** A run going again (retried or restarted): not ended, no reason, nothing failed. */
const goingAgain = (summary: WorkflowSummary, at: number): WorkflowSummary => ({
  ...summary,
  status: 'RUNNING',
  endTime: null,
  updateTime: at,
  output: null,
  reasonForIncompletion: null,
  failedReferenceTaskNames: [],
  failedTaskNames: [],
});

/**
 * The summary after one event of the run's stream (at `streamVersion`). Its own
 * small fold rather than the domain's `evolve` over the whole state: a row must
 * stay small, and the state (blueprint, every task's input and output) would be
 * written again with every page of the log. `null` is a run not started yet: only
 * its WorkflowStarted makes a summary.
 */
export function summaryAfter(summary: WorkflowSummary | null, event: WorkflowEvent, streamVersion: number): WorkflowSummary | null {
  if (event.type === 'WorkflowStarted') {
    const { workflowId, blueprint, input, correlationId, startTime } = event.data;
    return {
      workflowId,
      streamVersion,
      workflowType: blueprint.name,
      version: blueprint.version,
      correlationId,
      status: 'RUNNING',
      startTime,
      updateTime: startTime,
      endTime: null,
      input,
      output: null,
      reasonForIncompletion: null,
      failedReferenceTaskNames: [],
      failedTaskNames: [],
      attempts: {},
    };
  }
  if (summary === null) return null;
  return { ...afterRunEvent(summary, event), streamVersion };
}

function afterRunEvent(summary: WorkflowSummary, event: Exclude<WorkflowEvent, { type: 'WorkflowStarted' }>): WorkflowSummary {
  switch (event.type) {
    case 'TaskScheduled': {
      const { taskId, referenceTaskName, taskType, domain, scheduledTime } = event.data;
      return { ...summary, attempts: { ...summary.attempts, [taskId]: { referenceTaskName, taskType, domain, open: true } }, updateTime: scheduledTime };
    }
    case 'TaskRetryDelayed':
      return summary;
    case 'TaskStarted':
      return { ...summary, updateTime: event.data.startTime };
    case 'TaskProgressed':
    case 'TaskTimeoutAlerted':
    case 'WorkflowTimeoutAlerted':
    case 'TaskToDomainChanged':
      return { ...summary, updateTime: event.data.at };
    case 'TaskTimedOut':
    case 'TaskCanceled':
    case 'TaskFailed':
      return closed(summary, event.data.taskId, event.data.endTime);
    case 'TaskCompleted':
      return completed(summary, event.data.taskId, event.data.endTime);
    case 'WorkflowCompleted':
      return { ...ended(summary, 'COMPLETED', event.data.endTime, null), output: event.data.output };
    case 'WorkflowFailed': {
      const failed = summary.attempts[event.data.failedTaskId];
      return {
        ...ended(summary, 'FAILED', event.data.endTime, event.data.reasonForIncompletion),
        failedReferenceTaskNames: failed === undefined ? [] : [failed.referenceTaskName],
        failedTaskNames: failed === undefined ? [] : [failed.taskType],
      };
    }
    case 'WorkflowTimedOut':
      return ended(summary, 'TIMED_OUT', event.data.endTime, event.data.reasonForIncompletion);
    case 'WorkflowTerminated':
      return ended(summary, 'TERMINATED', event.data.endTime, event.data.reasonForIncompletion);
    case 'WorkflowPaused':
      return { ...summary, status: 'PAUSED', updateTime: event.data.at };
    case 'WorkflowResumed':
      return { ...summary, status: 'RUNNING', updateTime: event.data.at };
    case 'WorkflowRetried':
      return goingAgain(summary, event.data.at);
    case 'WorkflowRestarted':
      return { ...goingAgain(summary, event.data.startTime), startTime: event.data.startTime, attempts: {} };
    case 'WorkflowRerun':
      return event.data.fromTaskId === null
        ? { ...goingAgain(summary, event.data.at), startTime: event.data.at, attempts: {} }
        : goingAgain(summary, event.data.at);
    case 'TaskSkipped':
      return { ...summary, updateTime: event.data.at };
    default: {
      const unknownEvent: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknownEvent)}`);
    }
  }
}
