import { DomainError } from './domain-error';
import { type RoutingContext, resolveDomain } from '../routing/resolve-domain';
import type { WorkflowCommand } from './commands';
import { DEFAULT_RESPONSE_TIMEOUT_SECONDS } from './definition';
import type { EventOf, WorkflowEvent } from './events';
import { evolve } from './evolve';
import { type ExpressionScope, evaluateParameters } from './expressions';
import type { TaskRun, WorkflowRun, WorkflowState } from './state';

function scopeOf(run: WorkflowRun): ExpressionScope {
  const tasks: ExpressionScope['tasks'] = {};
  // Later attempts overwrite earlier ones: a reference means its latest attempt.
  for (const task of run.tasks) tasks[task.referenceTaskName] = { input: task.inputData, output: task.outputData };
  return { workflow: { workflowId: run.workflowId, input: run.input }, tasks };
}

function scheduleTask(
  run: WorkflowRun,
  taskIndex: number,
  attempt: { taskId: string; retryCount: number; retriedTaskId: string | null },
  routing: RoutingContext,
  now: number,
): EventOf<'TaskScheduled'> {
  const task = run.blueprint.tasks[taskIndex];
  const decision = resolveDomain({ taskType: task.taskType, taskToDomain: run.taskToDomain, now, ...routing });
  return {
    type: 'TaskScheduled',
    data: {
      taskId: attempt.taskId,
      workflowInstanceId: run.workflowId,
      workflowType: run.blueprint.name,
      taskType: task.taskType,
      referenceTaskName: task.referenceTaskName,
      taskIndex,
      inputData: evaluateParameters(task.inputParameters, scopeOf(run)),
      retryCount: attempt.retryCount,
      retriedTaskId: attempt.retriedTaskId,
      domain: decision.domain,
      queueName: decision.queueName,
      routing: decision.reason,
      scheduledTime: now,
    },
  };
}

function workflowOutput(run: WorkflowRun): Record<string, unknown> {
  if (run.blueprint.outputParameters !== null) return evaluateParameters(run.blueprint.outputParameters, scopeOf(run));
  return run.tasks[run.tasks.length - 1]?.outputData ?? {};
}

function afterCompletion(
  run: WorkflowRun,
  task: TaskRun,
  completed: EventOf<'TaskCompleted'>,
  next: { taskId: string; routing: RoutingContext; now: number },
): WorkflowEvent[] {
  const completedRun: WorkflowRun = {
    ...run,
    tasks: run.tasks.map((t) => (t.taskId === task.taskId ? { ...t, status: 'COMPLETED', outputData: completed.data.outputData } : t)),
  };
  const nextIndex = task.taskIndex + 1;
  if (nextIndex < run.blueprint.tasks.length) {
    return [
      completed,
      scheduleTask(completedRun, nextIndex, { taskId: next.taskId, retryCount: 0, retriedTaskId: null }, next.routing, next.now),
    ];
  }
  return [completed, { type: 'WorkflowCompleted', data: { output: workflowOutput(completedRun), endTime: next.now } }];
}

function findTask(run: WorkflowRun, taskId: string): TaskRun {
  const task = run.tasks.find((candidate) => candidate.taskId === taskId);
  if (task === undefined) throw new DomainError('UNKNOWN_TASK', `task ${taskId} does not belong to workflow ${run.workflowId}`);
  return task;
}

/** Waiting in its queue, or held by an HTTP worker: a result still counts. */
const isOpen = (task: TaskRun): boolean => task.status === 'SCHEDULED' || task.status === 'IN_PROGRESS';

/** After a failed or timed-out attempt: a retry routed afresh while retries are left, else the run fails. */
function afterFailure(
  run: WorkflowRun,
  task: TaskRun,
  failed: WorkflowEvent,
  failure: { terminal: boolean; why: string | undefined; reason: string },
  next: { taskId: string; routing: RoutingContext; now: number },
): WorkflowEvent[] {
  const allowedRetries = run.blueprint.tasks[task.taskIndex].retryCount;
  if (!failure.terminal && task.retryCount < allowedRetries) {
    const retry = { taskId: next.taskId, retryCount: task.retryCount + 1, retriedTaskId: task.taskId };
    return [failed, scheduleTask(run, task.taskIndex, retry, next.routing, next.now)];
  }
  const why = failure.why ?? `failed after ${task.retryCount} retries`;
  return [
    failed,
    {
      type: 'WorkflowFailed',
      data: { reasonForIncompletion: `task ${task.referenceTaskName} ${why}: ${failure.reason}`, failedTaskId: task.taskId, endTime: next.now },
    },
  ];
}

export function decide(command: WorkflowCommand, state: WorkflowState): WorkflowEvent[] {
  switch (command.type) {
    case 'StartWorkflow': {
      if (state.type !== 'Empty') {
        throw new DomainError('WORKFLOW_ALREADY_STARTED', `workflow ${command.data.workflowId} already exists`);
      }
      const { workflowId, blueprint, input, taskToDomain, correlationId, firstTaskId, routing, now } = command.data;
      const started: EventOf<'WorkflowStarted'> = {
        type: 'WorkflowStarted',
        data: { workflowId, blueprint, input, taskToDomain, correlationId, startTime: now },
      };
      const run = evolve(state, started);
      if (run.type !== 'Running') throw new Error(`a started workflow is Running, not ${run.type}`);
      // One decision, one append: the first task leaves with the start, no hop through a router.
      return [started, scheduleTask(run.run, 0, { taskId: firstTaskId, retryCount: 0, retriedTaskId: null }, routing, now)];
    }
    case 'RecordTaskResult': {
      if (state.type === 'Empty') throw new DomainError('WORKFLOW_NOT_FOUND', 'no such workflow');
      const { taskId, status, outputData, reasonForIncompletion, workerId, nextTaskId, routing, now } = command.data;
      const task = findTask(state.run, taskId);
      // A duplicate or late result (task already ended, or the run has) changes nothing.
      if (state.type !== 'Running' || !isOpen(task)) return [];
      const run = state.run;
      switch (status) {
        case 'COMPLETED':
          return afterCompletion(
            run,
            task,
            { type: 'TaskCompleted', data: { taskId, outputData, workerId, endTime: now } },
            { taskId: nextTaskId, routing, now },
          );
        case 'FAILED':
        case 'FAILED_WITH_TERMINAL_ERROR': {
          const terminal = status === 'FAILED_WITH_TERMINAL_ERROR';
          const failed: WorkflowEvent = {
            type: 'TaskFailed',
            data: { taskId, outputData, reasonForIncompletion, terminal, workerId, endTime: now },
          };
          const why = terminal ? 'failed with a terminal error' : undefined;
          return afterFailure(run, task, failed, { terminal, why, reason: reasonForIncompletion ?? 'no reason given' }, { taskId: nextTaskId, routing, now });
        }
        default: {
          const unknownStatus: never = status;
          throw new Error(`unknown task status ${String(unknownStatus)}`);
        }
      }
    }
    case 'StartTask': {
      if (state.type === 'Empty') throw new DomainError('WORKFLOW_NOT_FOUND', 'no such workflow');
      const { taskId, workerId, now } = command.data;
      const task = findTask(state.run, taskId);
      // Only a task waiting in its queue can be taken; a redelivered message of a held or ended task cannot.
      if (state.type !== 'Running' || task.status !== 'SCHEDULED') return [];
      // Runs started before blueprints carried a response timeout get Conductor's default.
      const timeoutMs = (state.run.blueprint.tasks[task.taskIndex].responseTimeoutSeconds ?? DEFAULT_RESPONSE_TIMEOUT_SECONDS) * 1000;
      return [{ type: 'TaskStarted', data: { taskId, workerId, startTime: now, responseTimeoutAt: now + timeoutMs } }];
    }
    case 'TimeOutTask': {
      if (state.type === 'Empty') throw new DomainError('WORKFLOW_NOT_FOUND', 'no such workflow');
      const { taskId, nextTaskId, routing, now } = command.data;
      const task = findTask(state.run, taskId);
      if (state.type !== 'Running' || task.status !== 'IN_PROGRESS' || task.responseTimeoutAt === null || now < task.responseTimeoutAt) return [];
      const timedOut: WorkflowEvent = { type: 'TaskTimedOut', data: { taskId, endTime: now } };
      return afterFailure(state.run, task, timedOut, { terminal: false, why: undefined, reason: 'no result within the response timeout' }, { taskId: nextTaskId, routing, now });
    }
    default: {
      const unknownCommand: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknownCommand)}`);
    }
  }
}
