import { type Plan, advance, cancelOpenTasks, deadline, latestAttempts, parentOf, planOf, scheduleAfter, seconds, thenAdvance } from './advance';
import type { WorkflowCommand } from './commands';
import { blueprintPolicyOf } from './definition';
import { DomainError } from './domain-error';
import type { EventOf, WorkflowEvent } from './events';
import { foldEvents } from './evolve';
import { type StartedWorkflow, type TaskRun, type WorkflowRun, type WorkflowState, isDoneTask, isEnded, isOpenTask, isRunByTheRouter, workflowStatusOf } from './state';
import type { WorkflowTimer } from './timers';
import { NO_SCRIPT_EVALUATOR, type ScriptEvaluator } from './script-evaluator';

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

/** Only Turnout ends a system task (a JOIN, a child's SUB_WORKFLOW): a worker's word for one is refused; a WAIT may be ended by an update. */
function refuseSystemTask(task: TaskRun): void {
  // A WAIT is the one a client may end (Conductor's task update), before its time or when it has none.
  if (task.kind !== undefined && task.kind !== 'WAIT') {
    throw new DomainError('INVALID_STATE', `task ${task.taskId} is a ${task.kind} task: Turnout ends it itself, no worker reports on it`);
  }
}

/** A worker confined to one domain reported on a task of another, or on a system task: it was never offered that task. */
function refuseNotOffered(task: TaskRun, confinedTo: string | null): never {
  const domainName = (domain: string | null): string => (domain === null ? 'the default queues' : `domain ${domain}`);
  if (task.kind !== undefined) throw new DomainError('NOT_OFFERED', `the worker was not offered task ${task.taskId}: it is a ${task.kind} task, which Turnout offers to no worker`);
  throw new DomainError(
    'NOT_OFFERED',
    `the worker was not offered task ${task.taskId}: it is confined to ${domainName(confinedTo)}, and the task is for ${domainName(task.domain)}`,
  );
}

function fireTimer(state: StartedWorkflow, timer: WorkflowTimer, plan: Plan): WorkflowEvent[] {
  if (isEnded(state)) return [];
  const { run } = state;
  const { now } = plan;
  // A timer of an attempt the run no longer holds (it restarted) is stale.
  const task = timer.taskId === null ? undefined : run.tasks.find((candidate) => candidate.taskId === timer.taskId);
  switch (timer.kind) {
    case 'RETRY':
      return run.pendingRetries.some((retry) => retry.retriedTaskId === timer.taskId) ? advance(state, plan) : [];
    case 'POLL_TIMEOUT':
      if (task?.status !== 'SCHEDULED' || task.pollTimeoutAt === null || now < task.pollTimeoutAt) return [];
      return thenAdvance(state, [{ type: 'TaskTimedOut', data: { taskId: task.taskId, endTime: now, timeout: 'POLL' } }], plan);
    case 'RESPONSE_TIMEOUT':
      if (task?.status !== 'IN_PROGRESS' || task.responseTimeoutAt === null || now < task.responseTimeoutAt) return [];
      return thenAdvance(state, [{ type: 'TaskTimedOut', data: { taskId: task.taskId, endTime: now, timeout: 'RESPONSE' } }], plan);
    case 'TASK_TIMEOUT': {
      if (task === undefined || !isOpenTask(task) || task.timeoutAt === null || now < task.timeoutAt) return [];
      const policy = blueprintPolicyOf(run.blueprint.tasks[task.taskIndex]);
      const timedOut: WorkflowEvent = { type: 'TaskTimedOut', data: { taskId: task.taskId, endTime: now, timeout: 'TASK' } };
      switch (policy.timeoutPolicy) {
        case 'RETRY':
          return thenAdvance(state, [timedOut], plan);
        case 'TIME_OUT_WF': {
          const reasonForIncompletion = `task ${task.referenceTaskName} was not completed within ${policy.timeoutSeconds} seconds`;
          // What else runs (other branches) stops with the run.
          const others = run.tasks.filter((other) => other.taskId !== task.taskId);
          return [
            timedOut,
            ...cancelOpenTasks({ ...run, tasks: others }, `the run timed out: ${reasonForIncompletion}`, now),
            { type: 'WorkflowTimedOut', data: { reasonForIncompletion, endTime: now, ...parentOf(run) } },
          ];
        }
        case 'ALERT_ONLY':
          return task.timeoutAlerted ? [] : [{ type: 'TaskTimeoutAlerted', data: { taskId: task.taskId, at: now } }];
        default: {
          const unknownPolicy: never = policy.timeoutPolicy;
          throw new Error(`unknown timeoutPolicy ${String(unknownPolicy)}`);
        }
      }
    }
    case 'WAIT':
      if (task?.kind !== 'WAIT' || !isOpenTask(task) || task.waitUntil === undefined || task.waitUntil === null || now < task.waitUntil) return [];
      return thenAdvance(state, [{ type: 'TaskCompleted', data: { taskId: task.taskId, outputData: {}, workerId: null, endTime: now } }], plan);
    case 'WORKFLOW_TIMEOUT': {
      if (run.timeoutAt === null || now < run.timeoutAt) return [];
      if (run.blueprint.timeoutPolicy === 'ALERT_ONLY') return run.timeoutAlerted ? [] : [{ type: 'WorkflowTimeoutAlerted', data: { at: now } }];
      const reason = `workflow timed out after ${run.blueprint.timeoutSeconds ?? 0} seconds`;
      return [...cancelOpenTasks(run, reason, now), { type: 'WorkflowTimedOut', data: { reasonForIncompletion: reason, endTime: now, ...parentOf(run) } }];
    }
    default: {
      const unknownKind: never = timer.kind;
      throw new Error(`unknown timer kind ${String(unknownKind)}`);
    }
  }
}

/**
 * What a command to a run decides. `scripts` evaluates the scripts of the
 * tasks it reaches (INLINE, JSON_JQ_TRANSFORM, a javascript SWITCH, a
 * DO_WHILE's condition); without one, those tasks fail saying so.
 */
export function decide(command: WorkflowCommand, state: WorkflowState, scripts: ScriptEvaluator = NO_SCRIPT_EVALUATOR): WorkflowEvent[] {
  switch (command.type) {
    case 'StartWorkflow': {
      if (state.type !== 'Empty') {
        throw new DomainError('WORKFLOW_ALREADY_STARTED', `workflow ${command.data.workflowId} already exists`);
      }
      const { workflowId, blueprint, input, taskToDomain, correlationId, firstTaskId, routing, now, startedBy, parent } = command.data;
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
          ...(parent === undefined || parent === null ? {} : { parent }),
        },
      };
      // One decision, one append: the first task leaves with the start, no hop through a router.
      return thenAdvance(state, [started], planOf({ nextTaskId: firstTaskId, routing, now }, scripts));
    }
    case 'RecordTaskResult': {
      const current = startedOrRefuse(state);
      const { taskId, status, outputData, reasonForIncompletion, workerId, callbackAfterSeconds, confinedTo, now } = command.data;
      const task = findTask(current.run, taskId);
      // Before anything else: a confined worker learns nothing of a task that was never its own, ended or not.
      // A system task (a WAIT has no domain either) is offered to no worker: only an unconfined client may end one.
      if (task !== null && confinedTo !== undefined && (task.domain !== confinedTo || task.kind !== undefined)) refuseNotOffered(task, confinedTo);
      // A duplicate, late or superseded result (the attempt ended, or the run did) changes nothing.
      if (task === null || isEnded(current) || !isOpenTask(task)) return [];
      refuseSystemTask(task);
      const policy = blueprintPolicyOf(current.run.blueprint.tasks[task.taskIndex]);
      switch (status) {
        case 'IN_PROGRESS': {
          // A WAIT has no worker to hold it: still waiting is what it does anyway.
          if (task.kind === 'WAIT') return [];
          const responseTimeoutAt = now + seconds(policy.responseTimeoutSeconds + (callbackAfterSeconds ?? 0));
          if (task.status === 'SCHEDULED') {
            return [{ type: 'TaskStarted', data: { taskId, workerId, startTime: now, responseTimeoutAt, timeoutAt: deadline(now, policy.timeoutSeconds) } }];
          }
          return [{ type: 'TaskProgressed', data: { taskId, workerId, outputData, responseTimeoutAt, at: now } }];
        }
        case 'COMPLETED':
          return thenAdvance(current, [{ type: 'TaskCompleted', data: { taskId, outputData, workerId, endTime: now } }], planOf(command.data, scripts));
        case 'FAILED':
        case 'FAILED_WITH_TERMINAL_ERROR': {
          const terminal = status === 'FAILED_WITH_TERMINAL_ERROR';
          const failed: WorkflowEvent = { type: 'TaskFailed', data: { taskId, outputData, reasonForIncompletion, terminal, workerId, endTime: now } };
          return thenAdvance(current, [failed], planOf(command.data, scripts));
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
      refuseSystemTask(task);
      const policy = blueprintPolicyOf(current.run.blueprint.tasks[task.taskIndex]);
      const responseTimeoutAt = now + seconds(policy.responseTimeoutSeconds);
      return [{ type: 'TaskStarted', data: { taskId, workerId, startTime: now, responseTimeoutAt, timeoutAt: deadline(now, policy.timeoutSeconds) } }];
    }
    case 'FireTimer':
      return fireTimer(startedOrRefuse(state), command.data.timer, planOf(command.data, scripts));
    case 'RecordSubWorkflowResult': {
      const current = startedOrRefuse(state);
      const { taskId, subWorkflowId, status, output, reasonForIncompletion, now } = command.data;
      const task = findTask(current.run, taskId);
      // The child of an attempt that ended (the parent was terminated, retried or restarted) or a word heard twice changes nothing.
      if (task === null || isEnded(current) || !isOpenTask(task) || task.subWorkflow?.workflowId !== subWorkflowId) return [];
      if (status === 'COMPLETED') {
        return thenAdvance(current, [{ type: 'TaskCompleted', data: { taskId, outputData: { ...output, subWorkflowId }, workerId: null, endTime: now } }], planOf(command.data, scripts));
      }
      const reason = `sub-workflow ${subWorkflowId} ${status}${reasonForIncompletion === null ? '' : `: ${reasonForIncompletion}`}`;
      const failed: WorkflowEvent = { type: 'TaskFailed', data: { taskId, outputData: { subWorkflowId }, reasonForIncompletion: reason, terminal: false, workerId: null, endTime: now } };
      return thenAdvance(current, [failed], planOf(command.data, scripts));
    }
    case 'RecordSystemTaskResult': {
      const current = startedOrRefuse(state);
      const { taskId, status, outputData, reasonForIncompletion, now } = command.data;
      const task = findTask(current.run, taskId);
      // A second report (a redelivery, another router) or one for an attempt cancelled meanwhile changes nothing.
      if (task === null || isEnded(current) || !isOpenTask(task)) return [];
      if (task.kind === undefined || !isRunByTheRouter(task.kind)) {
        throw new DomainError('INVALID_STATE', `task ${taskId} is ${task.kind === undefined ? 'a SIMPLE task: its worker reports on it' : `a ${task.kind} task: the decider ends it`}, not a router`);
      }
      const ended: WorkflowEvent =
        status === 'COMPLETED'
          ? { type: 'TaskCompleted', data: { taskId, outputData, workerId: null, endTime: now } }
          : { type: 'TaskFailed', data: { taskId, outputData, reasonForIncompletion, terminal: status === 'FAILED_WITH_TERMINAL_ERROR', workerId: null, endTime: now } };
      return thenAdvance(current, [ended], planOf(command.data, scripts));
    }
    case 'TerminateWorkflow': {
      const current = startedOrRefuse(state);
      if (isEnded(current)) refuse(current, 'terminated', 'a RUNNING or PAUSED');
      const { reason, now } = command.data;
      return [
        ...cancelOpenTasks(current.run, `workflow terminated: ${reason}`, now),
        { type: 'WorkflowTerminated', data: { reasonForIncompletion: reason, endTime: now, ...parentOf(current.run) } },
      ];
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
      return thenAdvance(current, [{ type: 'WorkflowResumed', data: { at: command.data.now } }], planOf(command.data, scripts));
    }
    case 'RetryWorkflow': {
      const current = startedOrRefuse(state);
      if (current.type !== 'Failed' && current.type !== 'TimedOut') refuse(current, 'retried', 'a FAILED or TIMED_OUT');
      const { now } = command.data;
      const retried: WorkflowEvent = { type: 'WorkflowRetried', data: { at: now, timeoutAt: deadline(now, current.run.blueprint.timeoutSeconds ?? 0) } };
      // From the tasks that ended the run (a failed one, branches cancelled beside it), routed afresh
      // (Conductor reuses their old domains; Turnout resolves them again).
      const resumed = foldEvents([retried], current);
      if (resumed.type === 'Empty') throw new Error('a retried run is not Empty');
      const plan = planOf(command.data, scripts);
      const unfinished = [...latestAttempts(resumed.run).values()].filter((task) => !isDoneTask(task) && !isOpenTask(task));
      const replacements = unfinished.flatMap((task) => scheduleAfter(resumed.run, task, plan));
      return thenAdvance(current, [retried, ...replacements], plan);
    }
    case 'SkipTask': {
      const current = startedOrRefuse(state);
      if (current.type !== 'Running') refuse(current, 'given a skipped task', 'a RUNNING');
      const { taskReferenceName, taskInput, taskOutput, nextTaskId, now } = command.data;
      const taskIndex = current.run.blueprint.tasks.findIndex((task) => task.referenceTaskName === taskReferenceName);
      if (taskIndex < 0) throw new DomainError('UNKNOWN_TASK', `workflow ${current.run.workflowId} has no task ${taskReferenceName}`);
      // As Conductor: only a task the run has not reached can be skipped.
      if (current.run.tasks.some((task) => task.referenceTaskName === taskReferenceName)) {
        throw new DomainError('INVALID_STATE', `task ${taskReferenceName} of workflow ${current.run.workflowId} was already scheduled: only a task not reached yet can be skipped`);
      }
      const task = current.run.blueprint.tasks[taskIndex];
      const skipped: WorkflowEvent = {
        type: 'TaskSkipped',
        data: { taskId: nextTaskId, taskType: task.taskType, referenceTaskName: taskReferenceName, taskIndex, inputData: taskInput, outputData: taskOutput, at: now },
      };
      // The command's id went to the skipped task; what comes next is numbered after it.
      return thenAdvance(current, [skipped], planOf({ ...command.data, nextTaskId: `${nextTaskId}.next` }, scripts));
    }
    case 'RerunWorkflow': {
      const current = startedOrRefuse(state);
      if (!isEnded(current)) refuse(current, 'rerun', 'a finished (COMPLETED, FAILED, TIMED_OUT or TERMINATED)');
      const { fromTaskId, workflowInput, taskInput, now } = command.data;
      const from = fromTaskId === null ? null : findTask(current.run, fromTaskId);
      if (fromTaskId !== null && from === null) throw new DomainError('INVALID_STATE', `task ${fromTaskId} is from before the run last restarted: rerun from one of its current tasks`);
      const rerun: WorkflowEvent = {
        type: 'WorkflowRerun',
        data: { fromTaskId, workflowInput, at: now, timeoutAt: deadline(now, current.run.blueprint.timeoutSeconds ?? 0) },
      };
      const events = thenAdvance(current, [rerun], planOf(command.data, scripts));
      if (from === null || taskInput === null) return events;
      // The task it reruns from is given taskInput over its evaluated input, as Conductor does.
      return events.map((event) =>
        event.type === 'TaskScheduled' && event.data.taskIndex === from.taskIndex ? { ...event, data: { ...event.data, inputData: { ...event.data.inputData, ...taskInput } } } : event,
      );
    }
    case 'RestartWorkflow': {
      const current = startedOrRefuse(state);
      if (!isEnded(current)) refuse(current, 'restarted', 'a finished (COMPLETED, FAILED, TIMED_OUT or TERMINATED)');
      const { now } = command.data;
      const restarted: WorkflowEvent = { type: 'WorkflowRestarted', data: { startTime: now, timeoutAt: deadline(now, current.run.blueprint.timeoutSeconds ?? 0) } };
      return thenAdvance(current, [restarted], planOf(command.data, scripts));
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
      return thenAdvance(current, [changed, ...moved], planOf(command.data, scripts));
    }
    default: {
      const unknownCommand: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknownCommand)}`);
    }
  }
}
