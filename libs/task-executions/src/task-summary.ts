import { type TaskStatus, type WorkflowEvent, isHeldFromTheStart } from '@turnout/domain';

/** One attempt as the task search finds it (Conductor's TaskSummary, in Turnout's types). Times are epoch ms. */
export interface TaskSummary {
  taskId: string;
  workflowId: string;
  workflowType: string;
  taskType: string;
  referenceTaskName: string;
  domain: string | null;
  status: TaskStatus;
  retryCount: number;
  scheduledTime: number;
  startTime: number | null;
  endTime: number | null;
  updateTime: number;
  reasonForIncompletion: string | null;
  workerId: string | null;
  /** The stream version of its TaskScheduled (or TaskSkipped): the run's attempts in scheduling order. */
  scheduledVersion: number;
  /** The last event of the run's stream folded into this attempt. */
  streamVersion: number;
}

/** What later events change of an attempt (everything but who and where it is); null: the page did not change it. */
export interface TaskSummaryChange {
  taskId: string;
  status: TaskStatus | null;
  startTime: number | null;
  endTime: number | null;
  updateTime: number;
  reasonForIncompletion: string | null;
  workerId: string | null;
  streamVersion: number;
}

/** Attempts this page scheduled (folded to the page's end), and changes to attempts scheduled before it. */
export interface TaskSummaryChanges {
  /** Attempts whose workflow type the page does not say (a skipped task): the writer takes it from another attempt of the run. */
  scheduled: Array<Omit<TaskSummary, 'workflowType'> & { workflowType: string | null }>;
  changed: TaskSummaryChange[];
  /**
   * Attempts the run no longer has, as of the event at `streamVersion`: a
   * restart (or a rerun from the start) drops every earlier one, a rerun from
   * a task drops that task and those scheduled after it.
   */
  dropped: Array<{ workflowId: string; fromTaskId: string | null; streamVersion: number }>;
}

type Fields = Omit<TaskSummaryChange, 'taskId' | 'streamVersion'>;

/** How one event changes one attempt it names; null: it names none, or changes nothing search shows. */
function changeOf(event: WorkflowEvent): { taskId: string; apply: (before: Fields) => Fields } | null {
  switch (event.type) {
    case 'TaskStarted': {
      const { taskId, workerId, startTime } = event.data;
      return { taskId, apply: (before) => ({ ...before, status: 'IN_PROGRESS', workerId, startTime, updateTime: startTime }) };
    }
    case 'TaskProgressed': {
      const { taskId, workerId, at } = event.data;
      return { taskId, apply: (before) => ({ ...before, workerId, updateTime: at }) };
    }
    case 'TaskCompleted': {
      const { taskId, workerId, endTime } = event.data;
      return { taskId, apply: (before) => ({ ...before, status: 'COMPLETED', workerId, endTime, updateTime: endTime }) };
    }
    case 'TaskFailed': {
      const { taskId, workerId, endTime, reasonForIncompletion, terminal } = event.data;
      const status = terminal ? 'FAILED_WITH_TERMINAL_ERROR' : 'FAILED';
      return { taskId, apply: (before) => ({ ...before, status, workerId, endTime, updateTime: endTime, reasonForIncompletion }) };
    }
    case 'TaskTimedOut': {
      const { taskId, endTime } = event.data;
      return { taskId, apply: (before) => ({ ...before, status: 'TIMED_OUT', endTime, updateTime: endTime }) };
    }
    case 'TaskCanceled': {
      const { taskId, endTime, reason } = event.data;
      return { taskId, apply: (before) => ({ ...before, status: 'CANCELED', endTime, updateTime: endTime, reasonForIncompletion: reason }) };
    }
    case 'WorkflowStarted':
    case 'TaskScheduled':
    case 'TaskRetryDelayed':
    case 'TaskTimeoutAlerted':
    case 'WorkflowCompleted':
    case 'WorkflowFailed':
    case 'WorkflowTimedOut':
    case 'WorkflowTimeoutAlerted':
    case 'WorkflowTerminated':
    case 'WorkflowPaused':
    case 'WorkflowResumed':
    case 'WorkflowRetried':
    case 'WorkflowRestarted':
    case 'WorkflowRerun':
    case 'TaskSkipped':
    case 'TaskToDomainChanged':
      return null;
    default: {
      const unknownEvent: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknownEvent)}`);
    }
  }
}

/**
 * The page's events of runs, in stream order per run, folded per attempt: an
 * attempt scheduled in the page comes whole, one scheduled before only with
 * what changed (the row has the rest). Pure; the stream version on each lets
 * the writer ignore a page that comes again.
 */
export function taskSummaryChangesOf(events: ReadonlyArray<{ workflowId: string; streamVersion: number; event: WorkflowEvent }>): TaskSummaryChanges {
  const scheduled = new Map<string, TaskSummaryChanges['scheduled'][number]>();
  const changed = new Map<string, TaskSummaryChange>();
  const dropped: TaskSummaryChanges['dropped'] = [];
  // A skipped task's event names no workflow type: a TaskScheduled of the same run in the page does (else the writer finds one).
  const workflowTypes = new Map<string, string>();
  for (const { workflowId, event } of events) if (event.type === 'TaskScheduled') workflowTypes.set(workflowId, event.data.workflowType);
  for (const { workflowId, streamVersion, event } of events) {
    if (event.type === 'TaskScheduled') {
      const { taskId, workflowType, taskType, referenceTaskName, domain, retryCount, scheduledTime, kind } = event.data;
      const heldByTurnout = isHeldFromTheStart(kind);
      scheduled.set(taskId, {
        taskId,
        workflowId,
        workflowType,
        taskType,
        referenceTaskName,
        domain,
        status: heldByTurnout ? 'IN_PROGRESS' : 'SCHEDULED',
        retryCount,
        scheduledTime,
        startTime: heldByTurnout ? scheduledTime : null,
        endTime: null,
        updateTime: scheduledTime,
        reasonForIncompletion: null,
        workerId: null,
        scheduledVersion: streamVersion,
        streamVersion,
      });
      continue;
    }
    if (event.type === 'TaskSkipped') {
      const { taskId, taskType, referenceTaskName, at } = event.data;
      scheduled.set(taskId, {
        taskId,
        workflowId,
        workflowType: workflowTypes.get(workflowId) ?? null,
        taskType,
        referenceTaskName,
        domain: null,
        status: 'SKIPPED',
        retryCount: 0,
        scheduledTime: at,
        startTime: null,
        endTime: at,
        updateTime: at,
        reasonForIncompletion: null,
        workerId: null,
        scheduledVersion: streamVersion,
        streamVersion,
      });
      continue;
    }
    if (event.type === 'WorkflowRestarted') {
      dropped.push({ workflowId, fromTaskId: null, streamVersion });
      continue;
    }
    if (event.type === 'WorkflowRerun') {
      dropped.push({ workflowId, fromTaskId: event.data.fromTaskId, streamVersion });
      continue;
    }
    const change = changeOf(event);
    if (change === null) continue;
    const inPage = scheduled.get(change.taskId);
    if (inPage !== undefined) {
      const applied = change.apply(inPage);
      scheduled.set(change.taskId, { ...inPage, ...applied, status: applied.status ?? inPage.status, streamVersion });
      continue;
    }
    const before = changed.get(change.taskId);
    // Fields the page does not know yet are null here; the writer keeps the row's own for those.
    const base: Fields = before ?? { status: null, startTime: null, endTime: null, updateTime: 0, reasonForIncompletion: null, workerId: null };
    changed.set(change.taskId, { ...base, ...change.apply(base), taskId: change.taskId, streamVersion });
  }
  return { scheduled: [...scheduled.values()], changed: [...changed.values()], dropped };
}
