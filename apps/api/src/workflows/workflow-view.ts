import { type WorkflowState, taskToDomainAsRecord } from '@turnout/domain';
import { conductorTask } from '../conductor/conductor-task';

/** Conductor's workflow status names. */
type ConductorWorkflowStatus = 'RUNNING' | 'COMPLETED' | 'FAILED';

/** The Workflow JSON of Conductor's GET /api/workflow/{id}. */
export function workflowView(state: Exclude<WorkflowState, { type: 'Empty' }>, includeTasks: boolean) {
  const run = state.run;
  const status: ConductorWorkflowStatus = state.type === 'Running' ? 'RUNNING' : state.type === 'Completed' ? 'COMPLETED' : 'FAILED';
  const retriedIds = new Set(run.tasks.map((task) => task.retriedTaskId).filter((id): id is string => id !== null));
  const endTime = state.type === 'Running' ? 0 : state.endTime;
  return {
    workflowId: run.workflowId,
    workflowName: run.blueprint.name,
    workflowVersion: run.blueprint.version,
    workflowType: run.blueprint.name,
    version: run.blueprint.version,
    status,
    input: run.input,
    output: state.type === 'Completed' ? state.output : {},
    reasonForIncompletion: state.type === 'Failed' ? state.reasonForIncompletion : undefined,
    correlationId: run.correlationId ?? undefined,
    taskToDomain: taskToDomainAsRecord(run.taskToDomain),
    startTime: run.startTime,
    endTime,
    updateTime: Math.max(run.startTime, endTime, ...run.tasks.map((task) => task.endTime ?? task.scheduledTime)),
    tasks: includeTasks
      ? run.tasks.map((task) => ({
          ...conductorTask(run, task),
          retried: retriedIds.has(task.taskId),
          retriedTaskId: task.retriedTaskId ?? undefined,
          // Turnout's answer to "why did my task go there?"
          routing: task.routing,
        }))
      : [],
  };
}
