import { PresenceSnapshot, type WorkflowEvent, type WorkflowState, blueprintOf, decide, foldEvents, validateWorkflowDef } from '@turnout/domain';
import { supersededAttempt } from './superseded-attempt';

const definition = validateWorkflowDef({ name: 'one', tasks: [{ name: 'only', taskReferenceName: 'only' }] });
if (!definition.ok) throw new Error('bad definition');
const blueprint = blueprintOf(definition.value, new Map());
const routing = { presence: new PresenceSnapshot(), activeWorkerTimeoutMs: 10_000 };

/** A run whose first task, `task-1`, is waiting in its queue; then these events. */
function runAfter(...events: WorkflowEvent[]): WorkflowState {
  const started = decide(
    { type: 'StartWorkflow', data: { workflowId: 'w', blueprint, input: {}, taskToDomain: {}, correlationId: null, firstTaskId: 'task-1', routing, now: 1 } },
    { type: 'Empty' },
  );
  return foldEvents([...started, ...events], { type: 'Empty' });
}

describe('supersededAttempt: tells a late result of a superseded attempt from a duplicate', () => {
  it('names an attempt that timed out or was cancelled', () => {
    expect(supersededAttempt(runAfter({ type: 'TaskTimedOut', data: { taskId: 'task-1', endTime: 2, timeout: 'POLL' } }), 'task-1')).toMatchObject({
      taskId: 'task-1',
      status: 'TIMED_OUT',
    });
    expect(supersededAttempt(runAfter({ type: 'TaskCanceled', data: { taskId: 'task-1', reason: 'rerouted', endTime: 2 } }), 'task-1')).toMatchObject({
      status: 'CANCELED',
    });
  });

  it('names an attempt left open by a run that ended without it', () => {
    const terminated = runAfter({ type: 'WorkflowTerminated', data: { reasonForIncompletion: 'by hand', endTime: 2 } });
    expect(supersededAttempt(terminated, 'task-1')).toMatchObject({ taskId: 'task-1', status: 'SCHEDULED' });
  });

  it('does not name an attempt that has its own result, or one still open in a running run', () => {
    const completed = runAfter(
      { type: 'TaskCompleted', data: { taskId: 'task-1', outputData: {}, workerId: 'w1', endTime: 2 } },
      { type: 'WorkflowCompleted', data: { output: {}, endTime: 2 } },
    );
    expect(supersededAttempt(completed, 'task-1')).toBeNull();
    expect(supersededAttempt(runAfter(), 'task-1')).toBeNull();
    expect(supersededAttempt(runAfter(), 'no-such-task')).toBeNull();
    expect(supersededAttempt({ type: 'Empty' }, 'task-1')).toBeNull();
  });
});
