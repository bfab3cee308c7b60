import { type WorkflowEvent, type WorkflowTimer, timersOf } from '@turnout/domain';

/** A run's event, as the timers projection reads it. */
export interface RunEvent {
  workflowId: string;
  event: WorkflowEvent;
}

/** Timers that can decide nothing any more: those of one task (its RETRY timer aside), or with `taskId` null all of a run's. */
export interface EndedTimers {
  workflowId: string;
  taskId: string | null;
}

/** What a page of the log does to the timers: applied as the deletions first, then the timers set. */
export interface TimerChanges {
  /** Timers set, in log order, less those a later event of the page ended already. */
  set: WorkflowTimer[];
  ended: EndedTimers[];
}

/** The timers an event ends: an attempt that ended (completed, failed, timed out, cancelled), or a run that ended. */
function endedBy(workflowId: string, event: WorkflowEvent): EndedTimers | null {
  switch (event.type) {
    case 'TaskCompleted':
    case 'TaskFailed':
    case 'TaskTimedOut':
    case 'TaskCanceled':
      return { workflowId, taskId: event.data.taskId };
    case 'WorkflowCompleted':
    case 'WorkflowFailed':
    case 'WorkflowTimedOut':
    case 'WorkflowTerminated':
      return { workflowId, taskId: null };
    case 'WorkflowStarted':
    case 'WorkflowRetried':
    case 'WorkflowRestarted':
    case 'WorkflowRerun':
    case 'TaskSkipped':
    case 'WorkflowPaused':
    case 'WorkflowResumed':
    case 'WorkflowTimeoutAlerted':
    case 'TaskScheduled':
    case 'TaskRetryDelayed':
    case 'TaskStarted':
    case 'TaskProgressed':
    case 'TaskTimeoutAlerted':
    case 'TaskToDomainChanged':
      return null;
    default: {
      const unknownEvent: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknownEvent)}`);
    }
  }
}

const endsTimer = (ended: EndedTimers, timer: WorkflowTimer): boolean =>
  timer.workflowId === ended.workflowId && (ended.taskId === null || (timer.taskId === ended.taskId && timer.kind !== 'RETRY'));

/**
 * The timers a page sets (timersOf each event) and the ones it ends, so that
 * the table holds only timers that may still decide something: without the
 * deletions every attempt's response timeout would wait an hour after the
 * attempt completed, only to fire for nothing. Firing a stale timer is still
 * harmless; deleting a live one never happens, since an ended attempt or run
 * never opens again (a retry or restart schedules new attempts).
 */
export function timerChangesOf(page: readonly RunEvent[]): TimerChanges {
  let set: WorkflowTimer[] = [];
  const ended: EndedTimers[] = [];
  for (const { workflowId, event } of page) {
    const end = endedBy(workflowId, event);
    if (end !== null) {
      set = set.filter((timer) => !endsTimer(end, timer));
      ended.push(end);
    }
    set.push(...timersOf(workflowId, event));
  }
  return { set, ended };
}
