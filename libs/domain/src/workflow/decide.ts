import { type ReplacedAttempt, type RoutingReason, resolveDomain } from '../routing/resolve-domain';
import type { Scheduling, WorkflowCommand } from './commands';
import { blueprintPolicyOf, retryDelaySeconds } from './definition';
import { DomainError } from './domain-error';
import type { EventOf, TaskTimeoutKind, WorkflowEvent } from './events';
import { foldEvents } from './evolve';
import { type ExpressionScope, evaluateParameters } from './expressions';
import { type StartedWorkflow, type TaskRun, type WorkflowRun, type WorkflowState, isEnded, isOpenTask, workflowStatusOf } from './state';
import type { WorkflowTimer } from './timers';

function scopeOf(run: WorkflowRun): ExpressionScope {
  const tasks: ExpressionScope['tasks'] = {};
  // Later attempts overwrite earlier ones: a reference means its latest attempt.
  for (const task of run.tasks) tasks[task.referenceTaskName] = { input: task.inputData, output: task.outputData };
  return { workflow: { workflowId: run.workflowId, input: run.input }, tasks };
}

const seconds = (count: number): number => count * 1000;
const deadline = (now: number, limitSeconds: number): number | null => (limitSeconds > 0 ? now + seconds(limitSeconds) : null);

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

/** One new attempt of the blueprint's task `taskIndex`, routed now by the run's current map. */
function scheduleTask(
  run: WorkflowRun,
  taskIndex: number,
  attempt: { retryCount: number; replaces: TaskRun | null },
  { nextTaskId, routing, now }: Scheduling,
): EventOf<'TaskScheduled'> {
  const task = run.blueprint.tasks[taskIndex];
  const decision = resolveDomain({ taskType: task.taskType, taskToDomain: run.taskToDomain, now, ...routing });
  const replaces = attempt.replaces === null ? undefined : replacedAttempt(attempt.replaces, decision.queueName);
  return {
    type: 'TaskScheduled',
    data: {
      taskId: nextTaskId,
      workflowInstanceId: run.workflowId,
      workflowType: run.blueprint.name,
      taskType: task.taskType,
      referenceTaskName: task.referenceTaskName,
      taskIndex,
      inputData: evaluateParameters(task.inputParameters, scopeOf(run)),
      retryCount: attempt.retryCount,
      retriedTaskId: attempt.replaces?.taskId ?? null,
      domain: decision.domain,
      queueName: decision.queueName,
      routing: withReplaced(decision.reason, replaces),
      scheduledTime: now,
      pollTimeoutAt: deadline(now, blueprintPolicyOf(task).pollTimeoutSeconds),
    },
  };
}

/** The attempt after `ended`: a retry counts one more; a replacement of a cancelled attempt does not. */
function scheduleAfter(run: WorkflowRun, ended: TaskRun, scheduling: Scheduling): EventOf<'TaskScheduled'> {
  const retryCount = ended.status === 'CANCELED' ? ended.retryCount : ended.retryCount + 1;
  return scheduleTask(run, ended.taskIndex, { retryCount, replaces: ended }, scheduling);
}

function workflowOutput(run: WorkflowRun): Record<string, unknown> {
  if (run.blueprint.outputParameters !== null) return evaluateParameters(run.blueprint.outputParameters, scopeOf(run));
  return run.tasks[run.tasks.length - 1]?.outputData ?? {};
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

/**
 * What a running run does next, from where it stands: schedule its next task,
 * retry (now or after the delay) or replace its last attempt, or end. A paused
 * or ended run does nothing; a run with a task open waits for it.
 */
function advance(state: WorkflowState, scheduling: Scheduling): WorkflowEvent[] {
  if (state.type !== 'Running') return [];
  const { run } = state;
  const { now } = scheduling;
  if (run.pendingRetry !== null) {
    const { pendingRetry } = run;
    if (now < pendingRetry.dueAt) return [];
    const retried = run.tasks.find((task) => task.taskId === pendingRetry.retriedTaskId) ?? null;
    return [scheduleTask(run, pendingRetry.taskIndex, { retryCount: pendingRetry.retryCount, replaces: retried }, scheduling)];
  }
  const last = run.tasks[run.tasks.length - 1];
  if (last === undefined) return [scheduleTask(run, 0, { retryCount: 0, replaces: null }, scheduling)];
  switch (last.status) {
    case 'SCHEDULED':
    case 'IN_PROGRESS':
      return [];
    case 'COMPLETED': {
      const nextIndex = last.taskIndex + 1;
      if (nextIndex < run.blueprint.tasks.length) return [scheduleTask(run, nextIndex, { retryCount: 0, replaces: null }, scheduling)];
      return [{ type: 'WorkflowCompleted', data: { output: workflowOutput(run), endTime: now } }];
    }
    case 'CANCELED':
      return [scheduleAfter(run, last, scheduling)];
    case 'FAILED':
    case 'TIMED_OUT': {
      const policy = blueprintPolicyOf(run.blueprint.tasks[last.taskIndex]);
      if (last.retryCount < policy.retryCount) {
        const delaySeconds = retryDelaySeconds(policy, last.retryCount);
        if (delaySeconds <= 0) return [scheduleAfter(run, last, scheduling)];
        const dueAt = now + seconds(delaySeconds);
        return [{ type: 'TaskRetryDelayed', data: { taskIndex: last.taskIndex, retryCount: last.retryCount + 1, retriedTaskId: last.taskId, dueAt } }];
      }
      return [{ type: 'WorkflowFailed', data: { reasonForIncompletion: failureOf(last), failedTaskId: last.taskId, endTime: now } }];
    }
    case 'FAILED_WITH_TERMINAL_ERROR':
      return [{ type: 'WorkflowFailed', data: { reasonForIncompletion: failureOf(last), failedTaskId: last.taskId, endTime: now } }];
    default: {
      const unknownStatus: never = last.status;
      throw new Error(`unknown task status ${String(unknownStatus)}`);
    }
  }
}

/** Facts, then whatever the run does next once they hold. */
function thenAdvance(state: WorkflowState, facts: WorkflowEvent[], scheduling: Scheduling): WorkflowEvent[] {
  return [...facts, ...advance(foldEvents(facts, state), scheduling)];
}

function startedOrRefuse(state: WorkflowState): StartedWorkflow {
  if (state.type === 'Empty') throw new DomainError('WORKFLOW_NOT_FOUND', 'no such workflow');
  return state;
}

/** The run's attempt `taskId`; null for an attempt from before a restart (superseded, like an ended one). */
function findTask(run: WorkflowRun, taskId: string): TaskRun | null {
  const task = run.tasks.find((candidate) => candidate.taskId === taskId);
  if (task !== undefined) return task;
  if (run.taskIdsBeforeRestart.includes(taskId)) return null;
  throw new DomainError('UNKNOWN_TASK', `task ${taskId} does not belong to workflow ${run.workflowId}`);
}

function refuse(state: StartedWorkflow, action: string, allowed: string): never {
  throw new DomainError('INVALID_STATE', `workflow ${state.run.workflowId} is ${workflowStatusOf(state)}: only ${allowed} run can be ${action}`);
}

/** Every task still waiting or held is cancelled, for this reason. */
function cancelOpenTasks(run: WorkflowRun, reason: string, now: number): WorkflowEvent[] {
  return run.tasks.filter(isOpenTask).map((task) => ({ type: 'TaskCanceled', data: { taskId: task.taskId, reason, endTime: now } }));
}

function fireTimer(state: StartedWorkflow, timer: WorkflowTimer, scheduling: Scheduling): WorkflowEvent[] {
  if (isEnded(state)) return [];
  const { run } = state;
  const { now } = scheduling;
  // A timer of an attempt the run no longer holds (it restarted) is stale.
  const task = timer.taskId === null ? undefined : run.tasks.find((candidate) => candidate.taskId === timer.taskId);
  switch (timer.kind) {
    case 'RETRY':
      return run.pendingRetry?.retriedTaskId === timer.taskId ? advance(state, scheduling) : [];
    case 'POLL_TIMEOUT':
      if (task?.status !== 'SCHEDULED' || task.pollTimeoutAt === null || now < task.pollTimeoutAt) return [];
      return thenAdvance(state, [{ type: 'TaskTimedOut', data: { taskId: task.taskId, endTime: now, timeout: 'POLL' } }], scheduling);
    case 'RESPONSE_TIMEOUT':
      if (task?.status !== 'IN_PROGRESS' || task.responseTimeoutAt === null || now < task.responseTimeoutAt) return [];
      return thenAdvance(state, [{ type: 'TaskTimedOut', data: { taskId: task.taskId, endTime: now, timeout: 'RESPONSE' } }], scheduling);
    case 'TASK_TIMEOUT': {
      if (task === undefined || !isOpenTask(task) || task.timeoutAt === null || now < task.timeoutAt) return [];
      const policy = blueprintPolicyOf(run.blueprint.tasks[task.taskIndex]);
      const timedOut: WorkflowEvent = { type: 'TaskTimedOut', data: { taskId: task.taskId, endTime: now, timeout: 'TASK' } };
      switch (policy.timeoutPolicy) {
        case 'RETRY':
          return thenAdvance(state, [timedOut], scheduling);
        case 'TIME_OUT_WF':
          return [
            timedOut,
            { type: 'WorkflowTimedOut', data: { reasonForIncompletion: `task ${task.referenceTaskName} was not completed within ${policy.timeoutSeconds} seconds`, endTime: now } },
          ];
        case 'ALERT_ONLY':
          return task.timeoutAlerted ? [] : [{ type: 'TaskTimeoutAlerted', data: { taskId: task.taskId, at: now } }];
        default: {
          const unknownPolicy: never = policy.timeoutPolicy;
          throw new Error(`unknown timeoutPolicy ${String(unknownPolicy)}`);
        }
      }
    }
    case 'WORKFLOW_TIMEOUT': {
      if (run.timeoutAt === null || now < run.timeoutAt) return [];
      if (run.blueprint.timeoutPolicy === 'ALERT_ONLY') return run.timeoutAlerted ? [] : [{ type: 'WorkflowTimeoutAlerted', data: { at: now } }];
      const reason = `workflow timed out after ${run.blueprint.timeoutSeconds ?? 0} seconds`;
      return [...cancelOpenTasks(run, reason, now), { type: 'WorkflowTimedOut', data: { reasonForIncompletion: reason, endTime: now } }];
    }
    default: {
      const unknownKind: never = timer.kind;
      throw new Error(`unknown timer kind ${String(unknownKind)}`);
    }
  }
}

export function decide(command: WorkflowCommand, state: WorkflowState): WorkflowEvent[] {
  switch (command.type) {
    case 'StartWorkflow': {
      if (state.type !== 'Empty') {
        throw new DomainError('WORKFLOW_ALREADY_STARTED', `workflow ${command.data.workflowId} already exists`);
      }
      const { workflowId, blueprint, input, taskToDomain, correlationId, firstTaskId, routing, now, startedBy } = command.data;
      const started: EventOf<'WorkflowStarted'> = {
        type: 'WorkflowStarted',
        data: {
          workflowId,
          blueprint,
          input,
          taskToDomain,
          correlationId,
          startTime: now,
          timeoutAt: deadline(now, blueprint.timeoutSeconds ?? 0),
          ...(startedBy === undefined || startedBy === null ? {} : { startedBy }),
        },
      };
      // One decision, one append: the first task leaves with the start, no hop through a router.
      return thenAdvance(state, [started], { nextTaskId: firstTaskId, routing, now });
    }
    case 'RecordTaskResult': {
      const current = startedOrRefuse(state);
      const { taskId, status, outputData, reasonForIncompletion, workerId, callbackAfterSeconds, now } = command.data;
      const task = findTask(current.run, taskId);
      // A duplicate, late or superseded result (the attempt ended, or the run did) changes nothing.
      if (task === null || isEnded(current) || !isOpenTask(task)) return [];
      const policy = blueprintPolicyOf(current.run.blueprint.tasks[task.taskIndex]);
      switch (status) {
        case 'IN_PROGRESS': {
          const responseTimeoutAt = now + seconds(policy.responseTimeoutSeconds + (callbackAfterSeconds ?? 0));
          if (task.status === 'SCHEDULED') {
            return [{ type: 'TaskStarted', data: { taskId, workerId, startTime: now, responseTimeoutAt, timeoutAt: deadline(now, policy.timeoutSeconds) } }];
          }
          return [{ type: 'TaskProgressed', data: { taskId, workerId, outputData, responseTimeoutAt, at: now } }];
        }
        case 'COMPLETED':
          return thenAdvance(current, [{ type: 'TaskCompleted', data: { taskId, outputData, workerId, endTime: now } }], command.data);
        case 'FAILED':
        case 'FAILED_WITH_TERMINAL_ERROR': {
          const terminal = status === 'FAILED_WITH_TERMINAL_ERROR';
          const failed: WorkflowEvent = { type: 'TaskFailed', data: { taskId, outputData, reasonForIncompletion, terminal, workerId, endTime: now } };
          return thenAdvance(current, [failed], command.data);
        }
        default: {
          const unknownStatus: never = status;
          throw new Error(`unknown task status ${String(unknownStatus)}`);
        }
      }
    }
    case 'StartTask': {
      const current = startedOrRefuse(state);
      const { taskId, workerId, now } = command.data;
      const task = findTask(current.run, taskId);
      // Only a task waiting in its queue can be taken; a redelivered message of a held or ended task cannot.
      if (task === null || isEnded(current) || task.status !== 'SCHEDULED') return [];
      const policy = blueprintPolicyOf(current.run.blueprint.tasks[task.taskIndex]);
      const responseTimeoutAt = now + seconds(policy.responseTimeoutSeconds);
      return [{ type: 'TaskStarted', data: { taskId, workerId, startTime: now, responseTimeoutAt, timeoutAt: deadline(now, policy.timeoutSeconds) } }];
    }
    case 'FireTimer':
      return fireTimer(startedOrRefuse(state), command.data.timer, command.data);
    case 'TerminateWorkflow': {
      const current = startedOrRefuse(state);
      if (isEnded(current)) refuse(current, 'terminated', 'a RUNNING or PAUSED');
      const { reason, now } = command.data;
      return [...cancelOpenTasks(current.run, `workflow terminated: ${reason}`, now), { type: 'WorkflowTerminated', data: { reasonForIncompletion: reason, endTime: now } }];
    }
    case 'PauseWorkflow': {
      const current = startedOrRefuse(state);
      if (current.type === 'Paused') return [];
      if (current.type !== 'Running') refuse(current, 'paused', 'a RUNNING');
      return [{ type: 'WorkflowPaused', data: { at: command.data.now } }];
    }
    case 'ResumeWorkflow': {
      const current = startedOrRefuse(state);
      if (current.type === 'Running') return [];
      if (current.type !== 'Paused') refuse(current, 'resumed', 'a PAUSED');
      // What the pause held back (a next task, a retry whose delay passed) is scheduled now.
      return thenAdvance(current, [{ type: 'WorkflowResumed', data: { at: command.data.now } }], command.data);
    }
    case 'RetryWorkflow': {
      const current = startedOrRefuse(state);
      if (current.type !== 'Failed' && current.type !== 'TimedOut') refuse(current, 'retried', 'a FAILED or TIMED_OUT');
      const { now } = command.data;
      const retried: WorkflowEvent = { type: 'WorkflowRetried', data: { at: now, timeoutAt: deadline(now, current.run.blueprint.timeoutSeconds ?? 0) } };
      const last = current.run.tasks[current.run.tasks.length - 1];
      // From the task that ended the run, routed afresh (Conductor reuses its old domain; Turnout resolves it again).
      if (last === undefined || last.status === 'COMPLETED') return thenAdvance(current, [retried], command.data);
      const resumed = foldEvents([retried], current);
      if (resumed.type === 'Empty') throw new Error('a retried run is not Empty');
      return [retried, scheduleAfter(resumed.run, last, command.data)];
    }
    case 'RestartWorkflow': {
      const current = startedOrRefuse(state);
      if (!isEnded(current)) refuse(current, 'restarted', 'a finished (COMPLETED, FAILED, TIMED_OUT or TERMINATED)');
      const { now } = command.data;
      const restarted: WorkflowEvent = { type: 'WorkflowRestarted', data: { startTime: now, timeoutAt: deadline(now, current.run.blueprint.timeoutSeconds ?? 0) } };
      return thenAdvance(current, [restarted], command.data);
    }
    case 'ChangeTaskToDomain': {
      const current = startedOrRefuse(state);
      if (isEnded(current)) refuse(current, 'given a new taskToDomain', 'a RUNNING or PAUSED');
      const { taskToDomain, reroute, now } = command.data;
      const changed: WorkflowEvent = { type: 'TaskToDomainChanged', data: { taskToDomain, at: now } };
      if (!reroute) return [changed];
      // A task waiting in a queue moves: its attempt is cancelled and scheduled again by the new map.
      const waiting = current.run.tasks.filter((task) => task.status === 'SCHEDULED');
      const moved = waiting.map((task): WorkflowEvent => ({ type: 'TaskCanceled', data: { taskId: task.taskId, reason: 'rerouted: the run got a new taskToDomain', endTime: now } }));
      return thenAdvance(current, [changed, ...moved], command.data);
    }
    default: {
      const unknownCommand: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknownCommand)}`);
    }
  }
}
