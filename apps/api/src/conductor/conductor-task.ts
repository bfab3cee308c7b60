import { type TaskRun, type WorkflowRun, blueprintPolicyOf } from '@turnout/domain';

/**
 * A task as Conductor shows it (poll answers, workflow executions), plus
 * Turnout's `queueName` (added, never renamed). A system task (FORK, JOIN,
 * SWITCH, SUB_WORKFLOW) is Turnout's own: no worker calls back for it, and it
 * has no domain and no queue (`queueName` ''). Conductor's `workflowTask` (the
 * task's definition) is left out: its clients and workers do not read it.
 */
export function conductorTask(run: WorkflowRun, task: TaskRun) {
  // A SUB_WORKFLOW attempt names its child when it is scheduled; Conductor shows the child's id beside the task and in its output.
  const subWorkflowId = task.subWorkflow?.workflowId;
  return {
    taskType: task.taskType,
    status: task.status,
    inputData: task.inputData,
    referenceTaskName: task.referenceTaskName,
    retryCount: task.retryCount,
    seq: run.tasks.indexOf(task) + 1,
    correlationId: run.correlationId ?? undefined,
    pollCount: task.pollCount,
    // Conductor's for FORK, JOIN and SWITCH; for SUB_WORKFLOW Conductor gives the workflow task's `name`, which the blueprint does not keep.
    taskDefName: task.taskType,
    scheduledTime: task.scheduledTime,
    startTime: task.startTime ?? 0,
    endTime: task.endTime ?? 0,
    updateTime: task.startTime ?? task.scheduledTime,
    startDelayInSeconds: 0,
    retried: false,
    executed: task.status !== 'SCHEDULED' && task.status !== 'IN_PROGRESS',
    // Absent kind: a SIMPLE task, for workers.
    callbackFromWorker: task.kind === undefined,
    responseTimeoutSeconds: blueprintPolicyOf(run.blueprint.tasks[task.taskIndex]).responseTimeoutSeconds,
    workflowInstanceId: run.workflowId,
    workflowType: run.blueprint.name,
    taskId: task.taskId,
    callbackAfterSeconds: 0,
    workerId: task.workerId ?? undefined,
    reasonForIncompletion: task.reasonForIncompletion ?? undefined,
    outputData: subWorkflowId === undefined ? task.outputData : { subWorkflowId, ...task.outputData },
    domain: task.domain,
    workflowPriority: 0,
    // Conductor's: a loop task's iteration (from 1); 0 outside a DO_WHILE.
    iteration: task.iteration ?? 0,
    subWorkflowId,
    queueName: task.queueName,
  };
}

export type ConductorTask = ReturnType<typeof conductorTask>;
