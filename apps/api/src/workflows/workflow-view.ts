import { type StartedWorkflow, isEnded, taskToDomainAsRecord, workflowStatusOf } from '@turnout/domain';
import { conductorTask } from '../conductor/conductor-task';
import { chosenCaseOf, placementOfAttempt, placementsOf } from './task-placement';

/** How the run ended, when it has: its end time, and why unless it completed. */
function endOf(state: StartedWorkflow): { endTime: number; reasonForIncompletion: string | undefined } {
  if (!isEnded(state)) return { endTime: 0, reasonForIncompletion: undefined };
  return { endTime: state.endTime, reasonForIncompletion: state.type === 'Completed' ? undefined : state.reasonForIncompletion };
}

/** The Workflow JSON of Conductor's GET /api/workflow/{id}, with Turnout's routing reasons and map history. */
export function workflowView(state: StartedWorkflow, includeTasks: boolean) {
  const run = state.run;
  const retriedIds = new Set(run.tasks.map((task) => task.retriedTaskId).filter((id): id is string => id !== null));
  const { endTime, reasonForIncompletion } = endOf(state);
  const placements = placementsOf(run.blueprint);
  return {
    workflowId: run.workflowId,
    workflowName: run.blueprint.name,
    workflowVersion: run.blueprint.version,
    workflowType: run.blueprint.name,
    version: run.blueprint.version,
    status: workflowStatusOf(state),
    input: run.input,
    output: state.type === 'Completed' ? state.output : {},
    reasonForIncompletion,
    correlationId: run.correlationId ?? undefined,
    // Conductor's, for a child run: the parent run and its SUB_WORKFLOW task.
    parentWorkflowId: run.parent?.workflowId,
    parentWorkflowTaskId: run.parent?.taskId,
    // Conductor's: the event of the handler that started the run; Turnout's startedBy also names the handler and message.
    event: run.startedBy?.event ?? undefined,
    startedBy: run.startedBy ?? undefined,
    // Conductor's: what SET_VARIABLE tasks set.
    variables: run.variables,
    taskToDomain: taskToDomainAsRecord(run.taskToDomain),
    // Turnout's: every map the run had before, and when it was replaced.
    taskToDomainHistory: run.taskToDomainHistory.map(({ taskToDomain, replacedAt }) => ({ taskToDomain: taskToDomainAsRecord(taskToDomain), replacedAt })),
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
          // Turnout's: the branch or case the task sits in (absent: the workflow's own sequence), and a SWITCH's case.
          placement: placementOfAttempt(placements.get(task.taskIndex), task),
          chosenCase: chosenCaseOf(run.blueprint, task),
        }))
      : [],
  };
}
