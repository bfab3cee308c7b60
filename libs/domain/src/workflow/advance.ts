import { describeFieldErrors } from '../field-error';
import { type ReplacedAttempt, type RoutingContext, type RoutingReason, resolveDomain } from '../routing/resolve-domain';
import type { Scheduling } from './commands';
import { type BlueprintTask, type SystemTaskKind, blueprintPolicyOf, retryDelaySeconds, topSequenceOf } from './definition';
import { TERMINATION_STATUSES, type TerminationStatus, waitDurationSeconds, waitUntilMs } from './workflow-task-defs';
import type { EventOf, ParentTask, TaskTimeoutKind, WorkflowEvent } from './events';
import { foldEvents } from './evolve';
import { type ExpressionScope, evaluateParameters } from './expressions';
import { httpRequestOf } from './http-task';
import { startWorkflowRequestOf } from './start-workflow-task';
import { type TaskRun, type WorkflowRun, type WorkflowState, isDoneTask, isOpenTask } from './state';

/**
 * What one decision needs to schedule tasks: ids, presence and the time. A
 * decision may schedule several tasks (a fork's branches): the first gets the
 * command's id, the next ones that id numbered (`<id>.1`, `<id>.2`, ...).
 */
export interface Plan {
  nextTaskId(): string;
  routing: RoutingContext;
  now: number;
}

export function planOf({ nextTaskId, routing, now }: Scheduling): Plan {
  let issued = 0;
  return {
    nextTaskId: () => {
      const id = issued === 0 ? nextTaskId : `${nextTaskId}.${issued}`;
      issued += 1;
      return id;
    },
    routing,
    now,
  };
}

export function scopeOf(run: WorkflowRun): ExpressionScope {
  const tasks: ExpressionScope['tasks'] = {};
  // Later attempts overwrite earlier ones: a reference means its latest attempt.
  for (const task of run.tasks) tasks[task.referenceTaskName] = { input: task.inputData, output: task.outputData };
  return { workflow: { workflowId: run.workflowId, input: run.input, variables: run.variables }, tasks };
}

export const seconds = (count: number): number => count * 1000;
export const deadline = (now: number, limitSeconds: number): number | null => (limitSeconds > 0 ? now + seconds(limitSeconds) : null);

/** What the routing reason of an attempt says of the one it replaces. */
function replacedAttempt(replaced: TaskRun, queueName: string): ReplacedAttempt {
  return {
    taskId: replaced.taskId,
    domain: replaced.domain,
    queueName: replaced.queueName,
    status: replaced.status,
    reasonForIncompletion: replaced.reasonForIncompletion,
    moved: replaced.queueName !== queueName,
  };
}

function withReplaced(reason: RoutingReason, replaces: ReplacedAttempt | undefined): RoutingReason {
  if (replaces === undefined) return reason;
  const why = replaces.reasonForIncompletion === null ? replaces.status : `${replaces.status}: ${replaces.reasonForIncompletion}`;
  const where = replaces.moved ? `moved from "${replaces.queueName}"` : `in "${replaces.queueName}" again`;
  return { ...reason, replaces, summary: `${reason.summary}; replaces attempt ${replaces.taskId} (${why}), ${where}` };
}

/** A system task is not routed: the reason says so, in the same shape as a routed task's. */
function systemTaskRouting(kind: SystemTaskKind, routing: RoutingContext): RoutingReason {
  return {
    rule: 'NO_RULE',
    ruleKey: null,
    ruleValue: null,
    candidates: [],
    activeWorkerTimeoutMs: routing.activeWorkerTimeoutMs,
    summary: `${kind} is a system task: Turnout runs it itself, no worker polls it, so it gets no domain`,
  };
}

interface Attempt {
  retryCount: number;
  /** The attempt this one retries or replaces. */
  replaces: TaskRun | null;
}

/** What a SWITCH's input chose: the value of its `expression` parameter, as text. */
function switchCase(task: Extract<BlueprintTask, { kind: 'SWITCH' }>, inputData: Record<string, unknown>): string {
  const value = Object.hasOwn(inputData, task.expression) ? inputData[task.expression] : null;
  return value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * One new attempt of the blueprint's task `taskIndex`. A SIMPLE task is routed
 * now by the run's current map; a system task gets no domain. FORK_JOIN and
 * SWITCH are done the moment they are scheduled (a SWITCH's output names the
 * case), so their TaskCompleted comes with them.
 */
function scheduleTask(run: WorkflowRun, taskIndex: number, attempt: Attempt, plan: Plan): WorkflowEvent[] {
  const task = run.blueprint.tasks[taskIndex];
  const { now } = plan;
  const taskId = plan.nextTaskId();
  const inputData = evaluateParameters(task.inputParameters, scopeOf(run));
  const common = {
    taskId,
    workflowInstanceId: run.workflowId,
    workflowType: run.blueprint.name,
    taskType: task.taskType,
    referenceTaskName: task.referenceTaskName,
    taskIndex,
    inputData,
    retryCount: attempt.retryCount,
    retriedTaskId: attempt.replaces?.taskId ?? null,
    scheduledTime: now,
  };
  if (task.kind === undefined || task.kind === 'SIMPLE') {
    const decision = resolveDomain({ taskType: task.taskType, taskToDomain: run.taskToDomain, now, ...plan.routing });
    const replaces = attempt.replaces === null ? undefined : replacedAttempt(attempt.replaces, decision.queueName);
    const scheduled: EventOf<'TaskScheduled'> = {
      type: 'TaskScheduled',
      data: {
        ...common,
        domain: decision.domain,
        queueName: decision.queueName,
        routing: withReplaced(decision.reason, replaces),
        pollTimeoutAt: deadline(now, blueprintPolicyOf(task).pollTimeoutSeconds),
      },
    };
    return [scheduled];
  }
  const system = { ...common, domain: null, queueName: '', routing: systemTaskRouting(task.kind, plan.routing), kind: task.kind };
  switch (task.kind) {
    case 'FORK_JOIN':
      return [
        { type: 'TaskScheduled', data: system },
        { type: 'TaskCompleted', data: { taskId, outputData: {}, workerId: null, endTime: now } },
      ];
    case 'SWITCH':
      return [
        { type: 'TaskScheduled', data: system },
        { type: 'TaskCompleted', data: { taskId, outputData: { evaluationResult: [switchCase(task, inputData)] }, workerId: null, endTime: now } },
      ];
    case 'JOIN':
      return [{ type: 'TaskScheduled', data: system }];
    case 'SUB_WORKFLOW': {
      // A retry of the attempt goes on with the same child (the child is retried); a first attempt names a new one.
      const workflowId = attempt.replaces?.subWorkflow?.workflowId ?? taskId;
      const taskToDomain = task.taskToDomain ?? run.taskToDomain;
      return [{ type: 'TaskScheduled', data: { ...system, subWorkflow: { workflowId, taskToDomain } } }];
    }
    case 'SET_VARIABLE':
    case 'TERMINATE':
      // Done at once: the variables are set as it completes; the run ends once it has (nextSteps).
      return [
        { type: 'TaskScheduled', data: system },
        { type: 'TaskCompleted', data: { taskId, outputData: task.kind === 'TERMINATE' ? terminationOf(inputData) : {}, workerId: null, endTime: now } },
      ];
    case 'WAIT': {
      const waitUntil = waitUntilOf(inputData, now);
      if (typeof waitUntil === 'string') {
        return [
          { type: 'TaskScheduled', data: system },
          { type: 'TaskFailed', data: { taskId, outputData: {}, reasonForIncompletion: waitUntil, terminal: true, workerId: null, endTime: now } },
        ];
      }
      return [{ type: 'TaskScheduled', data: { ...system, waitUntil } }];
    }
    case 'START_WORKFLOW': {
      // Started by a router's reaction to this event, with the attempt's id (so a redelivery starts nothing twice).
      const request = startWorkflowRequestOf(inputData, run.taskToDomain);
      if (!request.ok) return refusedAtOnce(system, describeFieldErrors(request.errors), now);
      return [{ type: 'TaskScheduled', data: { ...system, startWorkflow: request.value } }];
    }
    case 'HTTP': {
      // Made by a router that takes the attempt from HTTP_TASKS_QUEUE; a failed call is retried as any task.
      const request = httpRequestOf(inputData);
      if (!request.ok) return refusedAtOnce(system, describeFieldErrors(request.errors), now);
      return [{ type: 'TaskScheduled', data: { ...system, http: request.value } }];
    }
    default: {
      const unknownKind: never = task.kind;
      throw new Error(`unknown task kind ${String(unknownKind)}`);
    }
  }
}

/** A system task whose evaluated input cannot be carried out fails as it is scheduled, with no retry: the same input would fail again. */
function refusedAtOnce(scheduled: EventOf<'TaskScheduled'>['data'], reasonForIncompletion: string, now: number): WorkflowEvent[] {
  return [
    { type: 'TaskScheduled', data: scheduled },
    { type: 'TaskFailed', data: { taskId: scheduled.taskId, outputData: {}, reasonForIncompletion, terminal: true, workerId: null, endTime: now } },
  ];
}

/** When a WAIT completes by itself, from its evaluated input (null: only an update ends it), or why its input is refused. */
function waitUntilOf(inputData: Record<string, unknown>, now: number): number | null | string {
  const { duration, until } = inputData;
  if (duration !== undefined && duration !== null) {
    const count = typeof duration === 'string' ? waitDurationSeconds(duration) : null;
    return count === null ? `WAIT's duration ${JSON.stringify(duration)} is not a duration such as "30s" or "1d 2h"` : now + seconds(count);
  }
  if (until !== undefined && until !== null) {
    const at = typeof until === 'string' ? waitUntilMs(until) : null;
    return at === null ? `WAIT's until ${JSON.stringify(until)} is not a time such as "2026-12-31 23:59 GMT+00:00"` : at;
  }
  return null;
}

/** What a TERMINATE task says of the run's end, as its output keeps it. */
function terminationOf(inputData: Record<string, unknown>): Record<string, unknown> {
  const { terminationStatus, workflowOutput, terminationReason } = inputData;
  return { terminationStatus, workflowOutput: workflowOutput ?? {}, ...(terminationReason === undefined ? {} : { terminationReason }) };
}

/** The run's end a completed TERMINATE asks for; an invalid terminationStatus fails the run saying so. */
function terminatedBy(run: WorkflowRun, task: TaskRun, now: number): WorkflowEvent[] {
  const { terminationStatus, workflowOutput, terminationReason } = task.outputData;
  const output = workflowOutput !== null && typeof workflowOutput === 'object' && !Array.isArray(workflowOutput) ? (workflowOutput as Record<string, unknown>) : {};
  const status = TERMINATION_STATUSES.find((allowed) => allowed === terminationStatus) as TerminationStatus | undefined;
  const reason =
    status === undefined
      ? `task ${task.referenceTaskName}: terminationStatus ${JSON.stringify(terminationStatus)} is not one of ${TERMINATION_STATUSES.join(', ')}`
      : typeof terminationReason === 'string' && terminationReason !== ''
        ? terminationReason
        : `terminated by task ${task.referenceTaskName} (${status})`;
  const stopped = cancelOpenTasks(run, `the run ended at task ${task.referenceTaskName}`, now);
  switch (status) {
    case 'COMPLETED':
      return [...stopped, { type: 'WorkflowCompleted', data: { output, endTime: now, ...parentOf(run) } }];
    case 'TERMINATED':
      return [...stopped, { type: 'WorkflowTerminated', data: { reasonForIncompletion: reason, endTime: now, ...parentOf(run) } }];
    case 'FAILED':
    case undefined:
      return [...stopped, { type: 'WorkflowFailed', data: { reasonForIncompletion: reason, failedTaskId: task.taskId, endTime: now, ...parentOf(run) } }];
    default: {
      const unknownStatus: never = status;
      throw new Error(`unknown terminationStatus ${String(unknownStatus)}`);
    }
  }
}

/** The attempt after `ended`: a retry counts one more; a replacement of a cancelled attempt does not. */
export function scheduleAfter(run: WorkflowRun, ended: TaskRun, plan: Plan): WorkflowEvent[] {
  const retryCount = ended.status === 'CANCELED' ? ended.retryCount : ended.retryCount + 1;
  return scheduleTask(run, ended.taskIndex, { retryCount, replaces: ended }, plan);
}

/** The latest attempt of each blueprint task since the run (re)started, by task index. */
export function latestAttempts(run: WorkflowRun): Map<number, TaskRun> {
  const latest = new Map<number, TaskRun>();
  for (const task of run.tasks) latest.set(task.taskIndex, task);
  return latest;
}

/** The latest attempt of a reference name, if it has one. */
function latestByReference(run: WorkflowRun, referenceTaskName: string): TaskRun | undefined {
  for (let index = run.tasks.length - 1; index >= 0; index -= 1) {
    if (run.tasks[index].referenceTaskName === referenceTaskName) return run.tasks[index];
  }
  return undefined;
}

/** A JOIN's output once every task it waits for is COMPLETED: their outputs by reference name; null until then. */
function joinedOutput(run: WorkflowRun, joinOn: readonly string[]): Record<string, unknown> | null {
  const output: Record<string, unknown> = {};
  for (const reference of joinOn) {
    const task = latestByReference(run, reference);
    if (task === undefined || !isDoneTask(task)) return null;
    output[reference] = task.outputData;
  }
  return output;
}

/** The case a completed SWITCH attempt chose, read from its output's `evaluationResult` as Conductor writes it; null: its defaultCase. */
export function chosenCaseOf(task: Extract<BlueprintTask, { kind: 'SWITCH' }>, attempt: TaskRun): string | null {
  const evaluation = attempt.outputData.evaluationResult;
  const evaluated = Array.isArray(evaluation) ? String(evaluation[0]) : '';
  return Object.hasOwn(task.decisionCases, evaluated) ? evaluated : null;
}

function chosenSequence(task: Extract<BlueprintTask, { kind: 'SWITCH' }>, attempt: TaskRun): readonly number[] {
  const chosen = chosenCaseOf(task, attempt);
  return chosen === null ? task.defaultCase : task.decisionCases[chosen];
}

function workflowOutput(run: WorkflowRun, latest: ReadonlyMap<number, TaskRun>): Record<string, unknown> {
  if (run.blueprint.outputParameters !== null) return evaluateParameters(run.blueprint.outputParameters, scopeOf(run));
  // As Conductor: the output of the last task of the workflow's own sequence.
  const sequence = topSequenceOf(run.blueprint);
  return latest.get(sequence[sequence.length - 1])?.outputData ?? {};
}

/** Why the run fails when an attempt that cannot be retried ended. */
const TIMEOUT_FAILURES: Record<TaskTimeoutKind, string> = {
  POLL: 'no worker took it within the poll timeout',
  RESPONSE: 'no result within the response timeout',
  TASK: 'no result within the task timeout',
};

function failureOf(task: TaskRun): string {
  if (task.status === 'FAILED_WITH_TERMINAL_ERROR') return `task ${task.referenceTaskName} failed with a terminal error: ${task.reasonForIncompletion ?? 'no reason given'}`;
  const reason = task.status === 'TIMED_OUT' ? TIMEOUT_FAILURES[task.timedOut ?? 'RESPONSE'] : task.reasonForIncompletion ?? 'no reason given';
  return `task ${task.referenceTaskName} failed after ${task.retryCount} retries: ${reason}`;
}

/** A child run's end names its parent; a run of its own says nothing of one. */
export const parentOf = (run: WorkflowRun): { parent?: ParentTask } => (run.parent === null ? {} : { parent: run.parent });

/** Every task still waiting or held is cancelled, for this reason. */
export function cancelOpenTasks(run: WorkflowRun, reason: string, now: number): WorkflowEvent[] {
  return run.tasks.filter(isOpenTask).map((task) => ({ type: 'TaskCanceled', data: { taskId: task.taskId, reason, endTime: now } }));
}

/**
 * One step of a running run: walks its sequences from the top and returns what
 * is due now, wherever it sits — the next task of each sequence, a retry (now
 * or after its delay), a replacement of a cancelled attempt, a JOIN whose
 * tasks are done — or the run's end. A sequence stops at its first task that
 * is not COMPLETED; a completed FORK_JOIN walks every branch, a completed
 * SWITCH the case it chose.
 */
function nextSteps(run: WorkflowRun, plan: Plan): WorkflowEvent[] {
  const latest = latestAttempts(run);
  const steps: WorkflowEvent[] = [];
  let failed: TaskRun | null = null;
  let terminating: TaskRun | null = null;

  /** True when every task of the sequence is COMPLETED. */
  const walk = (sequence: readonly number[]): boolean => {
    for (const taskIndex of sequence) {
      const task = run.blueprint.tasks[taskIndex];
      const attempt = latest.get(taskIndex);
      if (attempt === undefined) {
        steps.push(...scheduleTask(run, taskIndex, { retryCount: 0, replaces: null }, plan));
        return false;
      }
      switch (attempt.status) {
        case 'SCHEDULED':
        case 'IN_PROGRESS': {
          const joined = task.kind === 'JOIN' ? joinedOutput(run, task.joinOn) : null;
          if (joined !== null) steps.push({ type: 'TaskCompleted', data: { taskId: attempt.taskId, outputData: joined, workerId: null, endTime: plan.now } });
          return false;
        }
        case 'SKIPPED':
          continue;
        case 'COMPLETED':
          if (task.kind === 'TERMINATE') {
            terminating ??= attempt;
            return false;
          }
          if (task.kind === 'FORK_JOIN') {
            // Branches run side by side; the JOIN after the fork is where this sequence waits for them.
            for (const branch of task.branches) walk(branch);
          } else if (task.kind === 'SWITCH' && !walk(chosenSequence(task, attempt))) {
            return false;
          }
          continue;
        case 'CANCELED':
          steps.push(...scheduleAfter(run, attempt, plan));
          return false;
        case 'FAILED':
        case 'TIMED_OUT': {
          const policy = blueprintPolicyOf(task);
          if (attempt.retryCount >= policy.retryCount) {
            failed ??= attempt;
            return false;
          }
          const pending = run.pendingRetries.find((retry) => retry.retriedTaskId === attempt.taskId);
          if (pending !== undefined) {
            if (plan.now >= pending.dueAt) steps.push(...scheduleTask(run, taskIndex, { retryCount: pending.retryCount, replaces: attempt }, plan));
            return false;
          }
          const delaySeconds = retryDelaySeconds(policy, attempt.retryCount);
          if (delaySeconds <= 0) {
            steps.push(...scheduleAfter(run, attempt, plan));
          } else {
            const dueAt = plan.now + seconds(delaySeconds);
            steps.push({ type: 'TaskRetryDelayed', data: { taskIndex, retryCount: attempt.retryCount + 1, retriedTaskId: attempt.taskId, dueAt } });
          }
          return false;
        }
        case 'FAILED_WITH_TERMINAL_ERROR':
          failed ??= attempt;
          return false;
        default: {
          const unknownStatus: never = attempt.status;
          throw new Error(`unknown task status ${String(unknownStatus)}`);
        }
      }
    }
    return true;
  };

  const done = walk(topSequenceOf(run.blueprint));
  // What else would be due is dropped: the run ends where a TERMINATE task or a failure says.
  if (terminating !== null) return terminatedBy(run, terminating, plan.now);
  if (failed !== null) {
    // What other branches would do next is dropped: the run fails, and what still runs in them is cancelled.
    const reasonForIncompletion = failureOf(failed);
    return [
      ...cancelOpenTasks(run, `the run failed: ${reasonForIncompletion}`, plan.now),
      { type: 'WorkflowFailed', data: { reasonForIncompletion, failedTaskId: (failed as TaskRun).taskId, endTime: plan.now, ...parentOf(run) } },
    ];
  }
  if (done && steps.length === 0 && !run.tasks.some(isOpenTask)) {
    return [{ type: 'WorkflowCompleted', data: { output: workflowOutput(run, latest), endTime: plan.now, ...parentOf(run) } }];
  }
  return steps;
}

/**
 * What a running run does next, from where it stands, step after step until
 * nothing more is due now: a fork's branches are scheduled in the decision
 * that completed the task before it, and a JOIN completes in the one that
 * completed its last task. A paused or ended run does nothing.
 */
export function advance(state: WorkflowState, plan: Plan): WorkflowEvent[] {
  const events: WorkflowEvent[] = [];
  let current = state;
  // Each step schedules or ends at least one task of the blueprint; more steps than that is a bug, not a workflow.
  const maxSteps = current.type === 'Empty' ? 0 : current.run.blueprint.tasks.length * 2 + 2;
  for (let step = 0; current.type === 'Running'; step += 1) {
    if (step > maxSteps) throw new Error(`workflow ${current.run.workflowId} did not settle after ${maxSteps} steps`);
    const next = nextSteps(current.run, plan);
    if (next.length === 0) break;
    events.push(...next);
    current = foldEvents(next, current);
  }
  return events;
}

/** Facts, then whatever the run does next once they hold. */
export function thenAdvance(state: WorkflowState, facts: WorkflowEvent[], plan: Plan): WorkflowEvent[] {
  return [...facts, ...advance(foldEvents(facts, state), plan)];
}
