import type { DataSource } from 'typeorm';
import { type FieldError, type StartedWorkflow, type TaskRun, type WorkflowRun, isEnded, isOpenTask, workflowStatusOf } from '@turnout/domain';
import { loadWorkflow } from '@turnout/workflow-runs';
import { conductorTask } from '../conductor/conductor-task';
import { InvalidInput } from '../http/api-errors';
import type { AppendsHeard } from './appends-heard';
import { workflowView } from './workflow-view';

/** Conductor's `returnStrategy`: what a synchronous execute answers with. */
export const RETURN_STRATEGIES = ['TARGET_WORKFLOW', 'BLOCKING_WORKFLOW', 'BLOCKING_TASK', 'BLOCKING_TASK_INPUT'] as const;
export type ReturnStrategy = (typeof RETURN_STRATEGIES)[number];

/** Conductor's wait when `waitForSeconds` is absent or 0. */
const DEFAULT_WAIT_SECONDS = 10;
/** Turnout's bound on a held request (Conductor has none). */
const MAX_WAIT_SECONDS = 600;
/** However often appends are announced, a waiting request reads its run at most this often. */
const MIN_READ_GAP_MS = 20;

export interface ExecutionWait {
  /** Conductor's requestId: echoed in the answer (a new one when none is given); it does not deduplicate starts. */
  requestId: string;
  /** Tasks (by reference name) whose end ends the wait. */
  untilTaskRefs: string[];
  waitMs: number;
  returnStrategy: ReturnStrategy;
}

/** The query of POST /api/workflow/execute/{name}/{version}, checked field by field. */
export function executionWaitOf(query: Record<string, unknown>, newRequestId: () => string): ExecutionWait {
  const errors: FieldError[] = [];
  const text = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      errors.push({ path: name, message: 'must be given once' });
      return undefined;
    }
    return value.trim();
  };
  const requestId = text('requestId');
  const untilTaskRefs = (text('waitUntilTaskRef') ?? '')
    .split(',')
    .map((reference) => reference.trim())
    .filter((reference) => reference !== '');
  const waitText = text('waitForSeconds');
  let waitSeconds = DEFAULT_WAIT_SECONDS;
  if (waitText !== undefined && waitText !== '') {
    const parsed = Number(waitText);
    if (!Number.isInteger(parsed) || parsed < 0 || parsed > MAX_WAIT_SECONDS) {
      errors.push({ path: 'waitForSeconds', message: `must be a whole number of seconds from 0 to ${MAX_WAIT_SECONDS}` });
    } else if (parsed > 0) waitSeconds = parsed;
  }
  const strategyText = text('returnStrategy');
  const returnStrategy = strategyText === undefined || strategyText === '' ? 'TARGET_WORKFLOW' : strategyText;
  if (!(RETURN_STRATEGIES as readonly string[]).includes(returnStrategy)) {
    errors.push({ path: 'returnStrategy', message: `must be one of ${RETURN_STRATEGIES.join(', ')}` });
  }
  // `consistency` (DURABLE, SYNCHRONOUS, REGION_DURABLE) is accepted and has no effect: a start is in the log before it is answered.
  text('consistency');
  if (errors.length > 0) throw new InvalidInput(errors);
  return {
    requestId: requestId === undefined || requestId === '' ? newRequestId() : requestId,
    untilTaskRefs,
    waitMs: waitSeconds * 1_000,
    returnStrategy: returnStrategy as ReturnStrategy,
  };
}

/** Tasks that end a wait, with the run each was found in (the target run, or a child of it). */
interface Blocking {
  tasks: Array<{ run: WorkflowRun; task: TaskRun }>;
  /** The run the first of them is in. */
  workflow: StartedWorkflow | undefined;
}

/**
 * Conductor's blocking tasks, the run's and its running children's: a WAIT
 * task waiting for a signal (neither `duration` nor `until`), and an ended
 * task whose reference name was asked for.
 */
async function blockingOf(db: DataSource, state: StartedWorkflow, untilTaskRefs: readonly string[]): Promise<Blocking> {
  const blocking: Blocking = { tasks: [], workflow: undefined };
  const found = (task: TaskRun) => {
    blocking.tasks.push({ run: state.run, task });
    blocking.workflow ??= state;
  };
  for (const task of state.run.tasks) {
    // A WAIT with neither duration nor until has no waitUntil: only an update ends it (Conductor's waitTimeout 0).
    if (task.kind === 'WAIT' && isOpenTask(task) && (task.waitUntil ?? null) === null) found(task);
    if (untilTaskRefs.includes(task.referenceTaskName) && !isOpenTask(task)) found(task);
    const childId = task.subWorkflow?.workflowId;
    if (childId === undefined || !isOpenTask(task)) continue;
    const child = (await loadWorkflow(db, childId)).state;
    // A child is named before its stream is written.
    if (child.type === 'Empty') continue;
    const inChild = await blockingOf(db, child, untilTaskRefs);
    blocking.tasks.push(...inChild.tasks);
    blocking.workflow ??= inChild.workflow;
  }
  return blocking;
}

/** Conductor's WorkflowRun (a SignalResponse), plus Turnout's reasonForIncompletion. */
function workflowRunOf(target: StartedWorkflow, shown: StartedWorkflow, wait: ExecutionWait, signalTimeout: boolean) {
  const view = workflowView(shown, true);
  return {
    responseType: wait.returnStrategy,
    targetWorkflowId: target.run.workflowId,
    targetWorkflowStatus: workflowStatusOf(target),
    requestId: wait.requestId,
    workflowId: view.workflowId,
    correlationId: view.correlationId,
    input: view.input,
    output: view.output,
    status: view.status,
    reasonForIncompletion: view.reasonForIncompletion,
    createTime: view.startTime,
    updateTime: view.updateTime,
    priority: 0,
    variables: shown.run.variables,
    tasks: view.tasks,
    signalTimeout,
  };
}

/** Conductor's TaskRun (a SignalResponse): the blocking task, its input and output. */
function taskRunOf(target: StartedWorkflow, run: WorkflowRun, task: TaskRun, wait: ExecutionWait) {
  const shown = conductorTask(run, task);
  return {
    responseType: wait.returnStrategy,
    targetWorkflowId: target.run.workflowId,
    targetWorkflowStatus: workflowStatusOf(target),
    requestId: wait.requestId,
    workflowId: shown.workflowInstanceId,
    correlationId: shown.correlationId,
    taskType: shown.taskType,
    taskId: shown.taskId,
    referenceTaskName: shown.referenceTaskName,
    retryCount: shown.retryCount,
    taskDefName: shown.taskDefName,
    retriedTaskId: task.retriedTaskId ?? undefined,
    workflowType: shown.workflowType,
    reasonForIncompletion: shown.reasonForIncompletion,
    priority: 0,
    status: shown.status,
    input: shown.inputData,
    output: shown.outputData,
    createdBy: shown.workerId,
    createTime: shown.startTime,
    updateTime: shown.endTime || shown.updateTime,
    signalTimeout: false,
  };
}

export type ExecutionAnswer = ReturnType<typeof workflowRunOf> | ReturnType<typeof taskRunOf> | undefined;

/** What Conductor answers for a run that settled (ended, or blocked), or for one still running at the wait's end. */
function answerOf(target: StartedWorkflow, blocking: Blocking, wait: ExecutionWait, signalTimeout: boolean): ExecutionAnswer {
  const [first] = blocking.tasks;
  switch (wait.returnStrategy) {
    case 'TARGET_WORKFLOW':
      return workflowRunOf(target, target, wait, signalTimeout);
    case 'BLOCKING_WORKFLOW':
      return workflowRunOf(target, blocking.workflow ?? target, wait, signalTimeout);
    case 'BLOCKING_TASK':
    case 'BLOCKING_TASK_INPUT':
      // Conductor answers nothing when no task blocks (a run that ended without one, or the wait's end).
      return first === undefined ? undefined : taskRunOf(target, first.run, first.task, wait);
    default: {
      const unknown: never = wait.returnStrategy;
      throw new Error(`unknown return strategy ${String(unknown)}`);
    }
  }
}

/**
 * Waits, as Conductor's execute does, until the run has ended or a task of it
 * (or of a running child) blocks, or the wait is over, reading the run again
 * at each append this api hears (not on a timer: no read while nothing is
 * appended), and answers it in the shape the return strategy asks for.
 */
export async function awaitExecution(db: DataSource, appends: AppendsHeard, workflowId: string, wait: ExecutionWait): Promise<ExecutionAnswer> {
  const deadline = Date.now() + wait.waitMs;
  let lastReadAt = 0;
  for (;;) {
    // Asked for before the read: an append made while reading wakes the wait at once.
    const next = await appends.nextAppend();
    try {
      const gap = lastReadAt + MIN_READ_GAP_MS - Date.now();
      if (gap > 0) await new Promise((resolve) => setTimeout(resolve, gap));
      lastReadAt = Date.now();
      const { state } = await loadWorkflow(db, workflowId);
      if (state.type === 'Empty') throw new Error(`run ${workflowId} was started but its stream is empty`);
      const blocking = await blockingOf(db, state, wait.untilTaskRefs);
      if (isEnded(state) || blocking.tasks.length > 0) return answerOf(state, blocking, wait, false);
      const remaining = deadline - Date.now();
      if (remaining <= 0) return answerOf(state, { tasks: [], workflow: undefined }, wait, true);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([next.heard, new Promise((resolve) => (timer = setTimeout(resolve, remaining)))]);
      clearTimeout(timer);
    } finally {
      next.forget();
    }
  }
}
