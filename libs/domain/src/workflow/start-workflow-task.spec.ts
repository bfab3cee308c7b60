import { type TaskToDomain, parseTaskToDomain } from '../routing/task-to-domain';
import { PresenceSnapshot } from '../routing/worker-presence';
import type { RoutingContext } from '../routing/resolve-domain';
import type { WorkflowCommand } from './commands';
import { decide } from './decide';
import { type BlueprintTask, type WorkflowBlueprint, blueprintOf, validateWorkflowDef } from './definition';
import type { EventOf, WorkflowEvent } from './events';
import { foldEvents } from './evolve';
import { given } from './given-when-then.test-support';

const NOW = 1_700_000_000_000;
const nobody: RoutingContext = { presence: new PresenceSnapshot(), activeWorkerTimeoutMs: 10_000 };

function mapOf(raw: Record<string, string>): TaskToDomain {
  const parsed = parseTaskToDomain(raw);
  if (!parsed.ok) throw new Error('bad map');
  return parsed.value;
}

const starter = (startWorkflow: unknown): BlueprintTask => ({ kind: 'START_WORKFLOW', taskType: 'START_WORKFLOW', referenceTaskName: 'kick', inputParameters: { startWorkflow } });
const after: BlueprintTask = { taskType: 'after', referenceTaskName: 'after', inputParameters: { started: '${kick.output.workflowId}' }, retryCount: 0, responseTimeoutSeconds: 30 };

/** START_WORKFLOW `kick`, then a SIMPLE task that reads the id it started. */
const blueprintStarting = (startWorkflow: unknown): WorkflowBlueprint => ({ name: 'starter', version: 1, tasks: [starter(startWorkflow), after], outputParameters: null });

const start = (blueprint: WorkflowBlueprint, input: Record<string, unknown> = {}, taskToDomain: TaskToDomain = mapOf({})): WorkflowCommand => ({
  type: 'StartWorkflow',
  data: { workflowId: 'wf-1', blueprint, input, taskToDomain, correlationId: null, firstTaskId: 't1', routing: nobody, now: NOW },
});

const reported = (status: 'COMPLETED' | 'FAILED', outputData: Record<string, unknown>, reasonForIncompletion: string | null = null, taskId = 't1'): WorkflowCommand => ({
  type: 'RecordSystemTaskResult',
  data: { taskId, status, outputData, reasonForIncompletion, nextTaskId: 't2', routing: nobody, now: NOW + 50 },
});

const scheduledOf = (events: readonly WorkflowEvent[]) =>
  events.filter((event): event is EventOf<'TaskScheduled'> => event.type === 'TaskScheduled').map((event) => event.data);

const REQUEST = { name: 'shipping', version: 2, input: { order: '${workflow.input.order}' }, correlationId: 'order-${workflow.input.order}' };

describe('START_WORKFLOW', () => {
  describe('Empty: a run whose first task starts another workflow', () => {
    it("schedules it held IN_PROGRESS with no domain, its request evaluated, and the run's own map as written when the request has none", () => {
      const map = mapOf({ '*': 'tenant_x,NO_DOMAIN' });
      const events = given().when(start(blueprintStarting(REQUEST), { order: 42 }, map)).events();
      expect(events.map((event) => event.type)).toEqual(['WorkflowStarted', 'TaskScheduled']);
      expect(scheduledOf(events)[0]).toMatchObject({
        kind: 'START_WORKFLOW',
        domain: null,
        queueName: '',
        startWorkflow: { name: 'shipping', version: 2, input: { order: 42 }, correlationId: 'order-42', taskToDomain: { '*': 'tenant_x,NO_DOMAIN' } },
      });
      const state = foldEvents(events);
      expect(state.type === 'Running' && state.run.tasks[0].status).toBe('IN_PROGRESS');
    });

    it('gives the started run the map of the request instead, whole, and no version (the latest) when none is given', () => {
      const events = given().when(start(blueprintStarting({ name: 'shipping', taskToDomain: { ship: 'eu' } }), {}, mapOf({ '*': 'tenant_x' }))).events();
      expect(scheduledOf(events)[0].startWorkflow).toEqual({ name: 'shipping', version: null, input: {}, correlationId: null, taskToDomain: { ship: 'eu' } });
    });

    it('fails the task at once, with no retry, when its evaluated request names no workflow', () => {
      const events = given().when(start(blueprintStarting({ name: '${workflow.input.missing}' }))).events();
      expect(events.map((event) => event.type)).toEqual(['WorkflowStarted', 'TaskScheduled', 'TaskFailed', 'WorkflowFailed']);
      expect(events[2]).toMatchObject({ data: { terminal: true, reasonForIncompletion: 'startWorkflow.name: must be a string' } });
    });
  });

  describe('Running: the start was made', () => {
    const history = decide(start(blueprintStarting(REQUEST), { order: 42 }), { type: 'Empty' });

    it('completes the task with the started run id as its output, and the next task reads it', () => {
      const events = given(...history).when(reported('COMPLETED', { workflowId: 't1' })).events();
      expect(events[0]).toEqual({ type: 'TaskCompleted', data: { taskId: 't1', outputData: { workflowId: 't1' }, workerId: null, endTime: NOW + 50 } });
      expect(scheduledOf(events)[0]).toMatchObject({ referenceTaskName: 'after', inputData: { started: 't1' } });
    });

    it('fails the task and the run with the reason when the start was refused', () => {
      const events = given(...history).when(reported('FAILED', {}, 'the workflow could not be started: No such workflow found by name: shipping, version: 2')).events();
      expect(events.map((event) => event.type)).toEqual(['TaskFailed', 'WorkflowFailed']);
      expect(events[1]).toMatchObject({ data: { reasonForIncompletion: expect.stringContaining('No such workflow found by name: shipping') } });
    });

    it("refuses a worker's result for it: a router reports on it", () => {
      const result: WorkflowCommand = {
        type: 'RecordTaskResult',
        data: { taskId: 't1', status: 'COMPLETED', outputData: {}, reasonForIncompletion: null, workerId: 'w', callbackAfterSeconds: null, nextTaskId: 'n', routing: nobody, now: NOW },
      };
      given(...history).when(result).thenFailsWith('INVALID_STATE');
    });
  });

  describe('Running: the task already ended', () => {
    const begun = decide(start(blueprintStarting(REQUEST), { order: 42 }), { type: 'Empty' });
    const history = [...begun, ...decide(reported('COMPLETED', { workflowId: 't1' }), foldEvents(begun))];

    it('changes nothing when the start is reported again (a page read twice, another router)', () => {
      given(...history).when(reported('COMPLETED', { workflowId: 't1' })).then([]);
    });

    it('refuses a report on a SIMPLE task: its worker reports on it', () => {
      given(...history).when(reported('COMPLETED', {}, null, 't2')).thenFailsWith('INVALID_STATE');
    });
  });
});

describe('validateWorkflowDef: START_WORKFLOW', () => {
  const task = (inputParameters: unknown) => ({ name: 'kick', taskReferenceName: 'kick', type: 'START_WORKFLOW', inputParameters });
  const errorsOf = (inputParameters: unknown) => {
    const result = validateWorkflowDef({ name: 'w', tasks: [task(inputParameters)] });
    return result.ok ? [] : result.errors;
  };

  it('accepts a request written as it is or with expressions, and freezes it as a START_WORKFLOW task', () => {
    expect(errorsOf({ startWorkflow: { name: 'shipping', version: 1, input: { a: 1 }, correlationId: 'c', taskToDomain: { '*': 'eu,NO_DOMAIN' } } })).toEqual([]);
    expect(errorsOf({ startWorkflow: { name: '${workflow.input.which}', version: '${workflow.input.v}', input: '${workflow.input}' } })).toEqual([]);
    expect(errorsOf({ startWorkflow: '${workflow.input.request}' })).toEqual([]);
    const def = validateWorkflowDef({ name: 'w', tasks: [task({ startWorkflow: { name: 'shipping' } })] });
    if (!def.ok) throw new Error('refused');
    expect(blueprintOf(def.value, new Map()).tasks[0]).toMatchObject({ kind: 'START_WORKFLOW', taskType: 'START_WORKFLOW' });
  });

  it('names the field and the reason of each mistake', () => {
    expect(errorsOf({})).toEqual([{ path: 'tasks[0].inputParameters.startWorkflow', message: expect.stringContaining('is required') }]);
    expect(errorsOf({ startWorkflow: { version: 0, input: [1], correlationId: 7, taskToDomain: { ship: 'NO_DOMAIN,eu' } } })).toEqual([
      { path: 'tasks[0].inputParameters.startWorkflow.name', message: 'must be a string' },
      { path: 'tasks[0].inputParameters.startWorkflow.version', message: 'must be a whole number, 1 or more' },
      { path: 'tasks[0].inputParameters.startWorkflow.input', message: 'must be an object' },
      { path: 'tasks[0].inputParameters.startWorkflow.correlationId', message: 'must be a string' },
      { path: 'tasks[0].inputParameters.startWorkflow.taskToDomain.ship', message: expect.stringContaining('NO_DOMAIN may only be the last') },
    ]);
  });
});
