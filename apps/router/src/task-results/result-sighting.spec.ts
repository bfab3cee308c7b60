import { PresenceSnapshot, parseTaskToDomain, type WorkflowEvent, type WorkflowState, blueprintOf, decide, foldEvents, validateWorkflowDef } from '@turnout/domain';
import { resultSighting } from './result-sighting';

const definition = validateWorkflowDef({
  name: 'one',
  tasks: [{ name: 'encode', taskReferenceName: 'encode' }],
});
if (!definition.ok) throw new Error('bad definition');
const blueprint = blueprintOf(definition.value, new Map());
const parsedMap = parseTaskToDomain({ encode: 'gpu' });
if (!parsedMap.ok) throw new Error('bad map');
const toGpu = parsedMap.value;
const routing = { presence: new PresenceSnapshot(), activeWorkerTimeoutMs: 10_000 };

/** A run started with {encode: gpu}, whose first task `task-1` waits in encode@gpu; then these events. */
function runAfter(...events: WorkflowEvent[]): WorkflowState {
  const started = decide(
    {
      type: 'StartWorkflow',
      data: { workflowId: 'w', blueprint, input: {}, taskToDomain: toGpu, correlationId: null, firstTaskId: 'task-1', routing, now: 1 },
    },
    { type: 'Empty' },
  );
  return foldEvents([...started, ...events], { type: 'Empty' });
}

describe('resultSighting: a result as a sighting of the worker that sent it', () => {
  it("is a live sighting of the worker, at the time the result was received, for the attempt's task type and domain", () => {
    expect(resultSighting(runAfter(), 'task-1', 'gpu-box-1', 5_000)).toEqual({
      taskType: 'encode',
      domain: 'gpu',
      workerId: 'gpu-box-1',
      seenAt: 5_000,
      gone: false,
    });
  });

  it('counts a result of an attempt that ended already: the worker was there to send it', () => {
    const completed = runAfter({ type: 'TaskCompleted', data: { taskId: 'task-1', outputData: {}, workerId: 'gpu-box-1', endTime: 2 } });
    expect(resultSighting(completed, 'task-1', 'gpu-box-1', 5_000)).toMatchObject({ taskType: 'encode', seenAt: 5_000 });
  });

  it('is none without a worker id, for an attempt the run does not hold, or for an unknown run', () => {
    expect(resultSighting(runAfter(), 'task-1', null, 5_000)).toBeNull();
    expect(resultSighting(runAfter(), 'no-such-task', 'w1', 5_000)).toBeNull();
    expect(resultSighting({ type: 'Empty' }, 'task-1', 'w1', 5_000)).toBeNull();
  });
});
