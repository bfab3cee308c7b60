import { type TaskToDomain, parseTaskToDomain } from '../routing/task-to-domain';
import { PresenceSnapshot } from '../routing/worker-presence';
import type { RoutingContext } from '../routing/resolve-domain';
import type { WorkflowCommand } from './commands';
import { decide } from './decide';
import { type BlueprintTask, type WorkflowBlueprint, validateWorkflowDef } from './definition';
import type { EventOf, WorkflowEvent } from './events';
import { foldEvents } from './evolve';
import { given } from './given-when-then.test-support';
import { timersOf } from './timers';
import { waitDurationSeconds, waitUntilMs } from './workflow-task-defs';

const NOW = 1_700_000_000_000;
const nobody: RoutingContext = { presence: new PresenceSnapshot(), activeWorkerTimeoutMs: 10_000 };
const NO_MAP: TaskToDomain = (() => {
  const parsed = parseTaskToDomain({});
  if (!parsed.ok) throw new Error('bad map');
  return parsed.value;
})();

const simple = (taskType: string, referenceTaskName: string, inputParameters: Record<string, unknown> = {}): BlueprintTask => ({
  taskType,
  referenceTaskName,
  inputParameters,
  retryCount: 0,
  responseTimeoutSeconds: 30,
});

/** set tier → use it → pause 5 s → route on the tier: "stop" terminates with an output, otherwise one more task. */
const blueprint: WorkflowBlueprint = {
  name: 'plan',
  version: 1,
  tasks: [
    { kind: 'SET_VARIABLE', taskType: 'SET_VARIABLE', referenceTaskName: 'set', inputParameters: { tier: '${workflow.input.tier}' } },
    simple('use', 'use', { tier: '${workflow.variables.tier}' }),
    { kind: 'WAIT', taskType: 'WAIT', referenceTaskName: 'pause', inputParameters: { duration: '${workflow.input.pause}' } },
    { kind: 'SWITCH', taskType: 'SWITCH', referenceTaskName: 'route', inputParameters: { tier: '${workflow.variables.tier}' }, expression: 'tier', decisionCases: { stop: [4] }, defaultCase: [5] },
    {
      kind: 'TERMINATE',
      taskType: 'TERMINATE',
      referenceTaskName: 'stop',
      inputParameters: { terminationStatus: '${workflow.input.ending}', workflowOutput: { used: '${use.output.x}' }, terminationReason: '${workflow.input.why}' },
    },
    simple('more', 'more'),
  ],
  sequence: [0, 1, 2, 3],
  outputParameters: null,
};

const start = (input: Record<string, unknown>): WorkflowCommand => ({
  type: 'StartWorkflow',
  data: { workflowId: 'wf-1', blueprint, input, taskToDomain: NO_MAP, correlationId: null, firstTaskId: 't1', routing: nobody, now: NOW },
});

const result = (taskId: string, status: 'COMPLETED' | 'FAILED' | 'IN_PROGRESS', outputData: Record<string, unknown> = {}, now = NOW): WorkflowCommand => ({
  type: 'RecordTaskResult',
  data: { taskId, status, outputData, reasonForIncompletion: null, workerId: 'w', callbackAfterSeconds: null, nextTaskId: 'n', routing: nobody, now },
});

function play(...commands: WorkflowCommand[]): WorkflowEvent[] {
  const history: WorkflowEvent[] = [];
  for (const command of commands) history.push(...decide(command, foldEvents(history)));
  return history;
}

const scheduledOf = (events: readonly WorkflowEvent[]) =>
  events.filter((event): event is EventOf<'TaskScheduled'> => event.type === 'TaskScheduled').map((event) => event.data);
const byReference = (events: readonly WorkflowEvent[], reference: string) => scheduledOf(events).filter((task) => task.referenceTaskName === reference).pop();

/** Started and `use` done: the run waits at `pause`. */
const waiting = (input: Record<string, unknown>) => {
  const begun = play(start({ pause: '5s', ...input }));
  return [...begun, ...decide(result(byReference(begun, 'use')!.taskId, 'COMPLETED', { x: 7 }, NOW), foldEvents(begun))];
};

describe('system tasks', () => {
  describe('Empty: a run that sets a variable first', () => {
    it('sets it at once, and the next task reads it as ${workflow.variables.x}', () => {
      const events = given().when(start({ tier: 'gold', pause: '5s' })).events();
      expect(events.map((event) => event.type)).toEqual(['WorkflowStarted', 'TaskScheduled', 'TaskCompleted', 'TaskScheduled']);
      expect(byReference(events, 'set')).toMatchObject({ kind: 'SET_VARIABLE', domain: null, queueName: '', inputData: { tier: 'gold' } });
      expect(byReference(events, 'use')).toMatchObject({ inputData: { tier: 'gold' } });
      const state = foldEvents(events);
      expect(state.type === 'Running' && state.run.variables).toEqual({ tier: 'gold' });
    });
  });

  describe('Running: at a WAIT', () => {
    const history = waiting({ tier: 'gold' });
    const pause = byReference(history, 'pause')!;

    it('holds the WAIT until its duration has passed, on a durable timer', () => {
      expect(pause).toMatchObject({ kind: 'WAIT', waitUntil: NOW + 5_000 });
      expect(timersOf('wf-1', { type: 'TaskScheduled', data: pause })).toEqual([{ workflowId: 'wf-1', kind: 'WAIT', taskId: pause.taskId, dueAt: NOW + 5_000 }]);
      const early: WorkflowCommand = { type: 'FireTimer', data: { timer: { workflowId: 'wf-1', kind: 'WAIT', taskId: pause.taskId, dueAt: NOW + 5_000 }, nextTaskId: 'x', routing: nobody, now: NOW + 4_000 } };
      given(...history).when(early).then([]);
    });

    it('completes the WAIT when its timer comes due, and goes on', () => {
      const due: WorkflowCommand = { type: 'FireTimer', data: { timer: { workflowId: 'wf-1', kind: 'WAIT', taskId: pause.taskId, dueAt: NOW + 5_000 }, nextTaskId: 'x', routing: nobody, now: NOW + 5_000 } };
      const events = given(...history).when(due).events();
      expect(events[0]).toEqual({ type: 'TaskCompleted', data: { taskId: pause.taskId, outputData: {}, workerId: null, endTime: NOW + 5_000 } });
      expect(byReference(events, 'more')).toBeDefined();
    });

    it('lets an update end the WAIT before its time (IN_PROGRESS changes nothing)', () => {
      given(...history).when(result(pause.taskId, 'IN_PROGRESS')).then([]);
      const events = given(...history).when(result(pause.taskId, 'COMPLETED', { by: 'hand' })).events();
      expect(events[0]).toMatchObject({ type: 'TaskCompleted', data: { taskId: pause.taskId, outputData: { by: 'hand' } } });
    });

    it('refuses an update from a worker confined to a domain, the default queues included: a WAIT is offered to no worker', () => {
      for (const confinedTo of [null, 'doug']) {
        const confined = result(pause.taskId, 'COMPLETED', { by: 'a confined worker' });
        if (confined.type !== 'RecordTaskResult') throw new Error('a result');
        given(...history)
          .when({ ...confined, data: { ...confined.data, confinedTo } })
          .thenFailsWith('NOT_OFFERED', `the worker was not offered task ${pause.taskId}: it is a WAIT task, which Turnout offers to no worker`);
      }
    });

    it('fails the run when the duration its input evaluates to is no duration', () => {
      const begun = play(start({ pause: 'soon' }));
      const events = decide(result(byReference(begun, 'use')!.taskId, 'COMPLETED'), foldEvents(begun));
      expect(events.map((event) => event.type)).toEqual(['TaskCompleted', 'TaskScheduled', 'TaskFailed', 'WorkflowFailed']);
      expect(events[2]).toMatchObject({ data: { terminal: true, reasonForIncompletion: expect.stringContaining('"soon" is not a duration') } });
    });
  });

  describe('Running: reaching a TERMINATE', () => {
    const dueAfter = (history: WorkflowEvent[]): WorkflowCommand => {
      const pause = byReference(history, 'pause')!;
      return { type: 'FireTimer', data: { timer: { workflowId: 'wf-1', kind: 'WAIT', taskId: pause.taskId, dueAt: NOW + 5_000 }, nextTaskId: 'x', routing: nobody, now: NOW + 5_000 } };
    };

    it('ends the run COMPLETED with its workflowOutput', () => {
      const history = waiting({ tier: 'stop', ending: 'COMPLETED' });
      const events = given(...history).when(dueAfter(history)).events();
      expect(events.map((event) => event.type)).toEqual(['TaskCompleted', 'TaskScheduled', 'TaskCompleted', 'TaskScheduled', 'TaskCompleted', 'WorkflowCompleted']);
      expect(events[events.length - 1]).toEqual({ type: 'WorkflowCompleted', data: { output: { used: 7 }, endTime: NOW + 5_000 } });
      expect(byReference(events, 'more')).toBeUndefined();
    });

    it('ends the run FAILED or TERMINATED with its reason', () => {
      const failing = waiting({ tier: 'stop', ending: 'FAILED', why: 'out of stock' });
      expect(given(...failing).when(dueAfter(failing)).events().pop()).toMatchObject({ type: 'WorkflowFailed', data: { reasonForIncompletion: 'out of stock' } });
      const terminating = waiting({ tier: 'stop', ending: 'TERMINATED' });
      expect(given(...terminating).when(dueAfter(terminating)).events().pop()).toMatchObject({
        type: 'WorkflowTerminated',
        data: { reasonForIncompletion: 'terminated by task stop (TERMINATED)' },
      });
    });

    it('fails the run saying why when terminationStatus evaluates to something else', () => {
      const history = waiting({ tier: 'stop', ending: 'MAYBE' });
      expect(given(...history).when(dueAfter(history)).events().pop()).toMatchObject({
        type: 'WorkflowFailed',
        data: { reasonForIncompletion: 'task stop: terminationStatus "MAYBE" is not one of COMPLETED, FAILED, TERMINATED' },
      });
    });
  });

  describe('Running: an operator skips a task', () => {
    const begun = play(start({ tier: 'gold', pause: '5s' }));
    const skip = (taskReferenceName: string): WorkflowCommand => ({
      type: 'SkipTask',
      data: { taskReferenceName, taskInput: { skipped: true }, taskOutput: { said: 'skipped' }, nextTaskId: 'sk', routing: nobody, now: NOW },
    });

    it('records a task not reached yet as SKIPPED, and the run goes past it', () => {
      const events = given(...begun).when(skip('pause')).events();
      expect(events).toEqual([
        { type: 'TaskSkipped', data: { taskId: 'sk', taskType: 'WAIT', referenceTaskName: 'pause', taskIndex: 2, inputData: { skipped: true }, outputData: { said: 'skipped' }, at: NOW } },
      ]);
      const afterUse = decide(result(byReference(begun, 'use')!.taskId, 'COMPLETED'), foldEvents([...begun, ...events]));
      expect(byReference(afterUse, 'pause')).toBeUndefined();
      expect(byReference(afterUse, 'more')).toBeDefined();
    });

    it('refuses to skip a task already scheduled (409) or one the workflow does not have (404)', () => {
      given(...begun).when(skip('use')).thenFailsWith('INVALID_STATE');
      given(...begun).when(skip('nothing')).thenFailsWith('UNKNOWN_TASK');
    });
  });

  describe('Completed: rerun', () => {
    const history = waiting({ tier: 'stop', ending: 'COMPLETED' });
    const pause = byReference(history, 'pause')!;
    const finished = [
      ...history,
      ...decide({ type: 'FireTimer', data: { timer: { workflowId: 'wf-1', kind: 'WAIT', taskId: pause.taskId, dueAt: NOW + 5_000 }, nextTaskId: 'x', routing: nobody, now: NOW + 5_000 } }, foldEvents(history)),
    ];
    const rerun = (fromTaskId: string | null, workflowInput: Record<string, unknown> | null, taskInput: Record<string, unknown> | null): WorkflowCommand => ({
      type: 'RerunWorkflow',
      data: { fromTaskId, workflowInput, taskInput, nextTaskId: 'again', routing: nobody, now: NOW + 9_000 },
    });

    it('runs again from a task, with taskInput over its input, keeping what came before it', () => {
      const use = byReference(finished, 'use')!;
      const events = given(...finished).when(rerun(use.taskId, null, { extra: 1 })).events();
      expect(events.map((event) => event.type)).toEqual(['WorkflowRerun', 'TaskScheduled']);
      expect(byReference(events, 'use')).toMatchObject({ taskId: 'again', inputData: { tier: 'stop', extra: 1 }, retriedTaskId: null });
      const state = foldEvents([...finished, ...events]);
      expect(state.type === 'Running' && state.run.tasks.map((task) => task.referenceTaskName)).toEqual(['set', 'use']);
      expect(state.type === 'Running' && state.run.variables).toEqual({ tier: 'stop' });
    });

    it('runs again from the start with a new input', () => {
      const events = given(...finished).when(rerun(null, { tier: 'gold', pause: '1s' }, null)).events();
      expect(byReference(events, 'set')).toMatchObject({ inputData: { tier: 'gold' } });
      expect(byReference(events, 'use')).toMatchObject({ inputData: { tier: 'gold' } });
    });

    it('refuses to rerun a run that is still running', () => {
      given(...history).when(rerun(null, null, null)).thenFailsWith('INVALID_STATE');
    });
  });

  describe('definitions', () => {
    const workflow = (task: Record<string, unknown>) => ({ name: 'w', tasks: [{ name: 'x', taskReferenceName: 'x', ...task }] });

    it('refuses a TERMINATE without terminationStatus or with another one, and a WAIT with a duration that is none', () => {
      expect(validateWorkflowDef(workflow({ type: 'TERMINATE', inputParameters: {} }))).toMatchObject({ ok: false, errors: [{ path: 'tasks[0].inputParameters.terminationStatus' }] });
      expect(validateWorkflowDef(workflow({ type: 'TERMINATE', inputParameters: { terminationStatus: 'DONE' } }))).toMatchObject({ ok: false });
      expect(validateWorkflowDef(workflow({ type: 'TERMINATE', inputParameters: { terminationStatus: '${workflow.input.s}' } }))).toMatchObject({ ok: true });
      expect(validateWorkflowDef(workflow({ type: 'WAIT', inputParameters: { duration: 'a while' } }))).toMatchObject({ ok: false, errors: [{ path: 'tasks[0].inputParameters.duration' }] });
      expect(validateWorkflowDef(workflow({ type: 'WAIT', inputParameters: { duration: '1s', until: '2026-12-31' } }))).toMatchObject({ ok: false });
      expect(validateWorkflowDef(workflow({ type: 'WAIT', inputParameters: {} }))).toMatchObject({ ok: true });
      expect(validateWorkflowDef(workflow({ type: 'SET_VARIABLE', inputParameters: { a: 1 } }))).toMatchObject({ ok: true });
    });

    it.each([
      ['30s', 30],
      ['2 minutes', 120],
      ['1d 2h 3m 4s', 93_784],
      ['1 hour 30 mins', 5_400],
    ])('reads the duration "%s" as %i seconds', (text, expected) => {
      expect(waitDurationSeconds(text)).toBe(expected);
    });

    it.each(['', 'soon', '5', '5 fortnights', 's5'])('refuses "%s" as a duration', (text) => {
      expect(waitDurationSeconds(text)).toBeNull();
    });

    it('reads until in Conductor\'s formats, UTC unless a zone is given', () => {
      expect(waitUntilMs('2026-12-31 23:59 GMT+00:00')).toBe(Date.UTC(2026, 11, 31, 23, 59));
      expect(waitUntilMs('2026-12-31 23:59 GMT+02:00')).toBe(Date.UTC(2026, 11, 31, 21, 59));
      expect(waitUntilMs('2026-12-31 23:59')).toBe(Date.UTC(2026, 11, 31, 23, 59));
      expect(waitUntilMs('2026-12-31')).toBe(Date.UTC(2026, 11, 31));
      expect(waitUntilMs('tomorrow')).toBeNull();
    });
  });
});
