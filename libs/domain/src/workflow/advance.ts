import { describeFieldErrors } from '../field-error';
import { type ReplacedAttempt, type RoutingContext, type RoutingReason, resolveDomain } from '../routing/resolve-domain';
import type { Scheduling } from './commands';
import { type BlueprintTask, type SystemTaskKind, type WorkflowBlueprint, blueprintPolicyOf, retryDelaySeconds, topSequenceOf } from './definition';
import { JAVASCRIPT_EVALUATORS, TERMINATION_STATUSES, type TerminationStatus, VALUE_PARAM_EVALUATOR, waitDurationSeconds, waitUntilMs } from './workflow-task-defs';
import { NO_SCRIPT_EVALUATOR, type ScriptEvaluator, type ScriptOutcome } from './script-evaluator';
import type { EventOf, ParentTask, TaskTimeoutKind, WorkflowEvent } from './events';
import { foldEvents } from './evolve';
import { type ExpressionScope, evaluateParameters } from './expressions';
import { httpRequestOf } from './http-task';
import { startWorkflowRequestOf } from './start-workflow-task';
import { type TaskRun, type WorkflowRun, type WorkflowState, isDoneTask, isOpenTask } from './state';

/**
 * What one decision needs to schedule tasks: ids, presence, the time and the
 * script sandbox. A decision may schedule several tasks (a fork's branches):
 * the first gets the command's id, the next ones that id numbered (`<id>.1`,
 * `<id>.2`, ...).
 */
export interface Plan {
  nextTaskId(): string;
  routing: RoutingContext;
  now: number;
  /** Evaluates the scripts of INLINE, JSON_JQ_TRANSFORM, a javascript SWITCH and a DO_WHILE's loopCondition. */
  scripts: ScriptEvaluator;
  /** Counts a loop iteration started after a loopCondition in this decision: how many so far. */
  countIteration(): number;
}

export function planOf({ nextTaskId, routing, now }: Scheduling, scripts: ScriptEvaluator = NO_SCRIPT_EVALUATOR): Plan {
  let issued = 0;
  let iterations = 0;
  return {
    nextTaskId: () => {
      const id = issued === 0 ? nextTaskId : `${nextTaskId}.${issued}`;
      issued += 1;
      return id;
    },
    routing,
    now,
    scripts,
    countIteration: () => {
      iterations += 1;
      return iterations;
    },
  };
}

/**
 * Iterations one decision may start after a loopCondition: a loop of system
 * tasks only runs in the decision that reached it, and one whose condition
 * stays true would never end it.
 */
export const MAX_ITERATIONS_PER_DECISION = 100;

/** The name of a loop task's attempt in an iteration, as Conductor names it. */
export const iteratedReference = (referenceTaskName: string, iteration: number | undefined): string =>
  iteration === undefined ? referenceTaskName : `${referenceTaskName}__${iteration}`;

/** `iteration`: the loop iteration a task is being scheduled in, which a running DO_WHILE's output says (as Conductor's does). */
export function scopeOf(run: WorkflowRun, iteration?: number): ExpressionScope {
  const tasks: ExpressionScope['tasks'] = {};
  // Later attempts overwrite earlier ones: a reference means its latest attempt.
  for (const task of run.tasks) {
    const entry = { input: task.inputData, output: runningLoopOutput(run, task, iteration) ?? task.outputData };
    tasks[task.referenceTaskName] = entry;
    // A loop task's own name (without `__n`) means its latest iteration, as in Conductor.
    if (task.iteration !== undefined) tasks[run.blueprint.tasks[task.taskIndex].referenceTaskName] = entry;
  }
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
  /** A loop task's iteration (absent: the replaced attempt's, if any). */
  iteration?: number;
}

const caseText = (value: unknown): string => (value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));

/** What a SWITCH's input chose, as text: the value of its `expression` parameter, or of its javascript expression. */
function switchCase(task: Extract<BlueprintTask, { kind: 'SWITCH' }>, inputData: Record<string, unknown>, scripts: ScriptEvaluator): ScriptOutcome<string> {
  if (task.evaluatorType === 'javascript') {
    const evaluated = scripts.javascript(task.expression, inputData);
    return evaluated.ok ? { ok: true, value: caseText(evaluated.value) } : { ok: false, reason: `SWITCH's expression failed: ${evaluated.reason}` };
  }
  return { ok: true, value: caseText(Object.hasOwn(inputData, task.expression) ? inputData[task.expression] : null) };
}

/** INLINE's output, `{result}`, from its evaluated input's evaluatorType and expression. */
function inlineOutput(inputData: Record<string, unknown>, scripts: ScriptEvaluator): ScriptOutcome<Record<string, unknown>> {
  const { evaluatorType, expression } = inputData;
  if (typeof expression !== 'string') return { ok: false, reason: `INLINE's expression ${JSON.stringify(expression ?? null)} is not a string` };
  if (evaluatorType === VALUE_PARAM_EVALUATOR) return { ok: true, value: { result: Object.hasOwn(inputData, expression) ? inputData[expression] : null } };
  if (!JAVASCRIPT_EVALUATORS.includes(evaluatorType as string)) {
    return { ok: false, reason: `INLINE's evaluatorType ${JSON.stringify(evaluatorType ?? null)} is not one of ${[...JAVASCRIPT_EVALUATORS, VALUE_PARAM_EVALUATOR].join(', ')}` };
  }
  const evaluated = scripts.javascript(expression, inputData);
  return evaluated.ok ? { ok: true, value: { result: evaluated.value } } : { ok: false, reason: `INLINE's expression failed: ${evaluated.reason}` };
}

/** JSON_JQ_TRANSFORM's output, `{result, resultList}` as Conductor's: its queryExpression over its whole evaluated input. */
function jqOutput(inputData: Record<string, unknown>, scripts: ScriptEvaluator): ScriptOutcome<Record<string, unknown>> {
  const { queryExpression } = inputData;
  if (typeof queryExpression !== 'string') return { ok: false, reason: `queryExpression ${JSON.stringify(queryExpression ?? null)} is not a string` };
  const evaluated = scripts.jq(queryExpression, inputData);
  if (!evaluated.ok) return { ok: false, reason: `queryExpression failed: ${evaluated.reason}` };
  return { ok: true, value: { result: evaluated.value.length > 0 ? evaluated.value[0] : null, resultList: evaluated.value } };
}

/** A task done in the step that schedules it: completed with its output, or failed with the reason (kept in its output's `error`, as Conductor does). */
function doneAtOnce(scheduled: EventOf<'TaskScheduled'>, outcome: ScriptOutcome<Record<string, unknown>>, now: number): WorkflowEvent[] {
  const { taskId } = scheduled.data;
  if (outcome.ok) return [scheduled, { type: 'TaskCompleted', data: { taskId, outputData: outcome.value, workerId: null, endTime: now } }];
  const failed: WorkflowEvent = {
    type: 'TaskFailed',
    data: { taskId, outputData: { error: outcome.reason }, reasonForIncompletion: outcome.reason, terminal: false, workerId: null, endTime: now },
  };
  return [scheduled, failed];
}

/**
 * One new attempt of the blueprint's task `taskIndex` (in a loop: of its
 * iteration). A SIMPLE task is routed now by the run's current map; a system
 * task gets no domain. FORK_JOIN, SWITCH and the script tasks are done the
 * moment they are scheduled (a SWITCH's output names the case), so their
 * TaskCompleted (or TaskFailed) comes with them.
 */
function scheduleTask(run: WorkflowRun, taskIndex: number, attempt: Attempt, plan: Plan): WorkflowEvent[] {
  const task = run.blueprint.tasks[taskIndex];
  const { now } = plan;
  const taskId = plan.nextTaskId();
  const iteration = attempt.iteration ?? attempt.replaces?.iteration;
  const inputData = evaluateParameters(task.inputParameters, scopeOf(run, iteration));
  const common = {
    taskId,
    workflowInstanceId: run.workflowId,
    workflowType: run.blueprint.name,
    taskType: task.taskType,
    referenceTaskName: iteratedReference(task.referenceTaskName, iteration),
    taskIndex,
    inputData,
    retryCount: attempt.retryCount,
    retriedTaskId: attempt.replaces?.taskId ?? null,
    scheduledTime: now,
    ...(iteration === undefined ? {} : { iteration }),
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
    case 'SWITCH': {
      const chosen = switchCase(task, inputData, plan.scripts);
      return doneAtOnce({ type: 'TaskScheduled', data: system }, chosen.ok ? { ok: true, value: { evaluationResult: [chosen.value] } } : chosen, now);
    }
    case 'INLINE':
      return doneAtOnce({ type: 'TaskScheduled', data: system }, inlineOutput(inputData, plan.scripts), now);
    case 'JSON_JQ_TRANSFORM':
      return doneAtOnce({ type: 'TaskScheduled', data: system }, jqOutput(inputData, plan.scripts), now);
    case 'JOIN':
    case 'DO_WHILE':
      // Held from the start: a JOIN until its tasks are done, a DO_WHILE until its loopCondition is false (nextSteps).
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

/** A JOIN's output once every task it waits for is COMPLETED (in a loop: of its iteration): their outputs by reference name; null until then. */
function joinedOutput(run: WorkflowRun, joinOn: readonly string[], iteration: number | undefined): Record<string, unknown> | null {
  const output: Record<string, unknown> = {};
  for (const reference of joinOn) {
    const task = latestByReference(run, iteratedReference(reference, iteration));
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

type DoWhileTask = Extract<BlueprintTask, { kind: 'DO_WHILE' }>;

/** Every task index inside a sequence, at any depth of branches and cases. */
function tasksWithin(blueprint: WorkflowBlueprint, sequence: readonly number[]): Set<number> {
  const within = new Set<number>();
  const add = (indices: readonly number[]) => {
    for (const taskIndex of indices) {
      within.add(taskIndex);
      const task = blueprint.tasks[taskIndex];
      if (task.kind === 'FORK_JOIN') task.branches.forEach(add);
      if (task.kind === 'SWITCH') [...Object.values(task.decisionCases), task.defaultCase].forEach(add);
    }
  };
  add(sequence);
  return within;
}

/** The attempts of a loop's tasks since the run (re)started, and the iteration they reached (0: none yet). */
function loopAttempts(run: WorkflowRun, task: DoWhileTask): { attempts: TaskRun[]; iteration: number } {
  const within = tasksWithin(run.blueprint, task.loopOver);
  const attempts = run.tasks.filter((attempt) => attempt.iteration !== undefined && within.has(attempt.taskIndex));
  return { attempts, iteration: attempts.reduce((highest, attempt) => Math.max(highest, attempt.iteration ?? 0), 0) };
}

/** A DO_WHILE's output as Conductor's: `iteration`, and each iteration's task outputs by reference name under its number. */
function loopOutput(run: WorkflowRun, attempts: readonly TaskRun[], iteration: number): Record<string, unknown> {
  const output: Record<string, Record<string, unknown>> = {};
  for (let each = 1; each <= iteration; each += 1) output[String(each)] = {};
  // Later attempts overwrite earlier ones (a retry's output is the one that counts).
  for (const attempt of attempts) output[String(attempt.iteration)][run.blueprint.tasks[attempt.taskIndex].referenceTaskName] = attempt.outputData;
  return { ...output, iteration };
}

/**
 * A running DO_WHILE's output as it stands (its output is recorded when it
 * ends): the iterations so far, `iteration` the one under way; null for any
 * other attempt.
 */
function runningLoopOutput(run: WorkflowRun, attempt: TaskRun, scheduling: number | undefined): Record<string, unknown> | null {
  const task = run.blueprint.tasks[attempt.taskIndex];
  if (task.kind !== 'DO_WHILE' || !isOpenTask(attempt)) return null;
  const { attempts, iteration } = loopAttempts(run, task);
  return loopOutput(run, attempts, Math.max(iteration, scheduling ?? 0, 1));
}

/** As Conductor reads a loopCondition's value: true, or a number above 0, runs another iteration. */
const continuesLoop = (value: unknown): boolean => value === true || (typeof value === 'number' && value > 0);

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
 * SWITCH the case it chose, a DO_WHILE under way its iteration's tasks.
 */
function nextSteps(run: WorkflowRun, plan: Plan): WorkflowEvent[] {
  const latest = latestAttempts(run);
  const steps: WorkflowEvent[] = [];
  let failed: TaskRun | null = null;
  let terminating: TaskRun | null = null;

  /**
   * A DO_WHILE held from its start: its first iteration, the rest of the one
   * under way, or — once that one is done — its loopCondition, which ends it
   * (completed, or failed when the condition cannot be evaluated) or starts the next.
   */
  const loop = (task: DoWhileTask, attempt: TaskRun): void => {
    const { attempts, iteration } = loopAttempts(run, task);
    if (iteration === 0) {
      walk(task.loopOver, 1);
      return;
    }
    if (!walk(task.loopOver, iteration)) return;
    const output = loopOutput(run, attempts, iteration);
    // Conductor's input of a loopCondition: the DO_WHILE's input, its output under its name, each loop task's latest output under its name.
    const input: Record<string, unknown> = { ...attempt.inputData, [task.referenceTaskName]: output };
    for (const each of attempts) input[run.blueprint.tasks[each.taskIndex].referenceTaskName] = each.outputData;
    const condition = plan.scripts.javascript(task.loopCondition, input);
    const end = (reason: string): void => {
      steps.push({ type: 'TaskFailed', data: { taskId: attempt.taskId, outputData: { ...output, error: reason }, reasonForIncompletion: reason, terminal: false, workerId: null, endTime: plan.now } });
    };
    if (!condition.ok) return end(`loopCondition failed after iteration ${iteration}: ${condition.reason}`);
    if (!continuesLoop(condition.value)) {
      steps.push({ type: 'TaskCompleted', data: { taskId: attempt.taskId, outputData: output, workerId: null, endTime: plan.now } });
      return;
    }
    if (plan.countIteration() > MAX_ITERATIONS_PER_DECISION) {
      return end(`its loop ran ${MAX_ITERATIONS_PER_DECISION} iterations without waiting for any task: a loop of system tasks whose loopCondition stays true would not end`);
    }
    walk(task.loopOver, iteration + 1);
  };

  /** True when every task of the sequence is COMPLETED; `iteration`: the loop iteration the sequence is walked for. */
  const walk = (sequence: readonly number[], iteration?: number): boolean => {
    for (const taskIndex of sequence) {
      const task = run.blueprint.tasks[taskIndex];
      const latestAttempt = latest.get(taskIndex);
      // In a loop, only the attempts of the iteration walked count: the next iteration starts afresh.
      const attempt = latestAttempt === undefined || latestAttempt.iteration !== iteration ? undefined : latestAttempt;
      if (attempt === undefined) {
        steps.push(...scheduleTask(run, taskIndex, { retryCount: 0, replaces: null, iteration }, plan));
        return false;
      }
      switch (attempt.status) {
        case 'SCHEDULED':
        case 'IN_PROGRESS': {
          if (task.kind === 'DO_WHILE') {
            loop(task, attempt);
            return false;
          }
          const joined = task.kind === 'JOIN' ? joinedOutput(run, task.joinOn, iteration) : null;
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
            for (const branch of task.branches) walk(branch, iteration);
          } else if (task.kind === 'SWITCH' && !walk(chosenSequence(task, attempt), iteration)) {
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
  // Each step schedules or ends at least one task of the blueprint (of each loop iteration); more steps than that is a bug, not a workflow.
  const blueprint = current.type === 'Empty' ? null : current.run.blueprint;
  const iterations = blueprint?.tasks.some((task) => task.kind === 'DO_WHILE') ? MAX_ITERATIONS_PER_DECISION + 2 : 1;
  const maxSteps = blueprint === null ? 0 : (blueprint.tasks.length * 2 + 2) * iterations;
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
