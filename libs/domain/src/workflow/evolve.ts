import type { WorkflowEvent } from './events';
import type { TaskRun, WorkflowRun, WorkflowState } from './state';

function runOf(state: WorkflowState, eventType: string): WorkflowRun {
  if (state.type === 'Empty') throw new Error(`${eventType} before WorkflowStarted`);
  return state.run;
}

function withTask(run: WorkflowRun, taskId: string, change: Partial<TaskRun>): WorkflowRun {
  return { ...run, tasks: run.tasks.map((task) => (task.taskId === taskId ? { ...task, ...change } : task)) };
}

export function evolve(state: WorkflowState, event: WorkflowEvent): WorkflowState {
  switch (event.type) {
    case 'WorkflowStarted': {
      const { workflowId, blueprint, input, taskToDomain, correlationId, startTime } = event.data;
      return { type: 'Running', run: { workflowId, blueprint, input, taskToDomain, correlationId, startTime, tasks: [] } };
    }
    case 'TaskScheduled': {
      const run = runOf(state, event.type);
      const { workflowInstanceId: _workflow, workflowType: _type, ...task } = event.data;
      const scheduled: TaskRun = {
        ...task,
        status: 'SCHEDULED',
        pollCount: 0,
        startTime: null,
        responseTimeoutAt: null,
        outputData: {},
        reasonForIncompletion: null,
        workerId: null,
        endTime: null,
      };
      return { ...state, run: { ...run, tasks: [...run.tasks, scheduled] } } as WorkflowState;
    }
    case 'TaskStarted': {
      const { taskId, workerId, startTime, responseTimeoutAt } = event.data;
      const run = runOf(state, event.type);
      const pollCount = (run.tasks.find((task) => task.taskId === taskId)?.pollCount ?? 0) + 1;
      return { ...state, run: withTask(run, taskId, { status: 'IN_PROGRESS', workerId, startTime, responseTimeoutAt, pollCount }) } as WorkflowState;
    }
    case 'TaskTimedOut': {
      const { taskId, endTime } = event.data;
      const run = withTask(runOf(state, event.type), taskId, { status: 'TIMED_OUT', endTime, reasonForIncompletion: 'response timed out' });
      return { ...state, run } as WorkflowState;
    }
    case 'TaskCompleted': {
      const { taskId, outputData, workerId, endTime } = event.data;
      const run = withTask(runOf(state, event.type), taskId, { status: 'COMPLETED', outputData, workerId, endTime });
      return { ...state, run } as WorkflowState;
    }
    case 'TaskFailed': {
      const { taskId, outputData, workerId, endTime, reasonForIncompletion, terminal } = event.data;
      const status = terminal ? 'FAILED_WITH_TERMINAL_ERROR' : 'FAILED';
      const run = withTask(runOf(state, event.type), taskId, { status, outputData, workerId, endTime, reasonForIncompletion });
      return { ...state, run } as WorkflowState;
    }
    case 'WorkflowCompleted':
      return { type: 'Completed', run: runOf(state, event.type), output: event.data.output, endTime: event.data.endTime };
    case 'WorkflowFailed':
      return {
        type: 'Failed',
        run: runOf(state, event.type),
        reasonForIncompletion: event.data.reasonForIncompletion,
        endTime: event.data.endTime,
      };
    default: {
      const unknownEvent: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknownEvent)}`);
    }
  }
}

export const foldEvents = (events: readonly WorkflowEvent[], from: WorkflowState = { type: 'Empty' }): WorkflowState =>
  events.reduce(evolve, from);
