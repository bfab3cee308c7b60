import { type TaskRun, type WorkflowRun, blueprintPolicyOf } from '@turnout/domain';

/** A task as Conductor shows it (poll answers, workflow executions), plus Turnout's `queueName` (added, never renamed). */
export function conductorTask(run: WorkflowRun, task: TaskRun) {
  return {
    taskType: task.taskType,
    status: task.status,
    inputData: task.inputData,
    referenceTaskName: task.referenceTaskName,
    retryCount: task.retryCount,
    seq: run.tasks.indexOf(task) + 1,
    correlationId: run.correlationId ?? undefined,
    pollCount: task.pollCount,
    taskDefName: task.taskType,
    scheduledTime: task.scheduledTime,
    startTime: task.startTime ?? 0,
    endTime: task.endTime ?? 0,
    updateTime: task.startTime ?? task.scheduledTime,
    startDelayInSeconds: 0,
    retried: false,
    executed: task.status !== 'SCHEDULED' && task.status !== 'IN_PROGRESS',
    callbackFromWorker: true,
    responseTimeoutSeconds: blueprintPolicyOf(run.blueprint.tasks[task.taskIndex]).responseTimeoutSeconds,
    workflowInstanceId: run.workflowId,
    workflowType: run.blueprint.name,
    taskId: task.taskId,
    callbackAfterSeconds: 0,
    workerId: task.workerId ?? undefined,
    reasonForIncompletion: task.reasonForIncompletion ?? undefined,
    outputData: task.outputData,
    domain: task.domain,
    workflowPriority: 0,
    iteration: 0,
    queueName: task.queueName,
  };
}

export type ConductorTask = ReturnType<typeof conductorTask>;
