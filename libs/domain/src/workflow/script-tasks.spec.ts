import fc from 'fast-check';
import { type TaskToDomain, parseTaskToDomain } from '../routing/task-to-domain';
import { PresenceSnapshot } from '../routing/worker-presence';
import type { RoutingContext } from '../routing/resolve-domain';
import { MAX_ITERATIONS_PER_DECISION } from './advance';
import type { WorkflowCommand } from './commands';
import { decide } from './decide';
import type { BlueprintTask, WorkflowBlueprint } from './definition';
import type { EventOf, WorkflowEvent } from './events';
import { foldEvents } from './evolve';
import { givenWithScripts } from './given-when-then.test-support';
import type { ScriptEvaluator } from './script-evaluator';

const NOW = 1_700_000_000_000;

function mapOf(raw: Record<string, string>): TaskToDomain {
  const parsed = parseTaskToDomain(raw);
  if (!parsed.ok) throw new Error('bad map');
  return parsed.value;
}

/** Routing where a `work` worker of domain tenant_x is alive. */
function tenantAlive(): RoutingContext {
  const presence = new PresenceSnapshot();
  presence.apply({ taskType: 'work', domain: 'tenant_x', workerId: 'w1', seenAt: NOW, gone: false });
  return { presence, activeWorkerTimeoutMs: 10_000 };
}

type Script = ($: Record<string, unknown>) => unknown;

/**
 * A stand-in for the sandbox: each known script is a function of its `$`, any
 * other fails as a ReferenceError would. It counts what it evaluates.
 */
function scriptsOf(javascript: Record<string, Script>, jq: Record<string, (input: unknown) => unknown[]> = {}): ScriptEvaluator & { evaluated: string[] } {
  const evaluated: string[] = [];
  return {
    evaluated,
    javascript: (expression, input) => {
      evaluated.push(expression);
      return Object.hasOwn(javascript, expression) ? { ok: true, value: javascript[expression](input) } : { ok: false, reason: `ReferenceError: ${expression} is not defined` };
    },
    jq: (query, input) => {
      evaluated.push(query);
      return Object.hasOwn(jq, query) ? { ok: true, value: jq[query](input) } : { ok: false, reason: `jq: error: ${query}/0 is not defined` };
    },
  };
}

const simple = (taskType: string, referenceTaskName: string, inputParameters: Record<string, unknown> = {}): BlueprintTask => ({
  taskType,
  referenceTaskName,
  inputParameters,
  retryCount: 0,
  responseTimeoutSeconds: 30,
});

const blueprintOf = (tasks: BlueprintTask[], sequence: number[]): WorkflowBlueprint => ({ name: 'scripted', version: 1, tasks, sequence, outputParameters: null });

const start = (blueprint: WorkflowBlueprint, input: Record<string, unknown> = {}, routing: RoutingContext = tenantAlive(), map: Record<string, string> = {}): WorkflowCommand => ({
  type: 'StartWorkflow',
  data: { workflowId: 'wf-1', blueprint, input, taskToDomain: mapOf(map), correlationId: null, firstTaskId: 't1', routing, now: NOW },
});

const completed = (taskId: string, outputData: Record<string, unknown>, nextTaskId = `after-${taskId}`): WorkflowCommand => ({
  type: 'RecordTaskResult',
  data: { taskId, status: 'COMPLETED', outputData, reasonForIncompletion: null, workerId: 'w1', callbackAfterSeconds: null, nextTaskId, routing: tenantAlive(), now: NOW },
});

const scheduledOf = (events: readonly WorkflowEvent[]) =>
  events.filter((event): event is EventOf<'TaskScheduled'> => event.type === 'TaskScheduled').map((event) => event.data);
const byReference = (events: readonly WorkflowEvent[], reference: string) => scheduledOf(events).filter((task) => task.referenceTaskName === reference).pop();

describe('script tasks', () => {
  describe('Empty: a run whose first task is an INLINE', () => {
    const blueprint = blueprintOf(
      [
        { kind: 'INLINE', taskType: 'INLINE', referenceTaskName: 'calc', inputParameters: { evaluatorType: 'javascript', expression: '$.value * 2', value: '${workflow.input.value}' } },
        simple('use', 'use', { doubled: '${calc.output.result}' }),
      ],
      [0, 1],
    );

    it('evaluates it in the start itself: completed with {result}, and the next task reads it', () => {
      const scripts = scriptsOf({ '$.value * 2': ($) => ($.value as number) * 2 });
      const events = givenWithScripts(scripts).when(start(blueprint, { value: 21 })).events();
      expect(events.map((event) => event.type)).toEqual(['WorkflowStarted', 'TaskScheduled', 'TaskCompleted', 'TaskScheduled']);
      expect(byReference(events, 'calc')).toMatchObject({ kind: 'INLINE', domain: null, queueName: '', inputData: { value: 21 } });
      expect(events[2]).toEqual({ type: 'TaskCompleted', data: { taskId: 't1', outputData: { result: 42 }, workerId: null, endTime: NOW } });
      expect(byReference(events, 'use')).toMatchObject({ inputData: { doubled: 42 } });
    });

    it('fails the task, with the reason in its output, and the run, when the expression fails', () => {
      const events = givenWithScripts(scriptsOf({})).when(start(blueprint, { value: 21 })).events();
      expect(events.map((event) => event.type)).toEqual(['WorkflowStarted', 'TaskScheduled', 'TaskFailed', 'WorkflowFailed']);
      const reason = "INLINE's expression failed: ReferenceError: $.value * 2 is not defined";
      expect(events[2]).toEqual({ type: 'TaskFailed', data: { taskId: 't1', outputData: { error: reason }, reasonForIncompletion: reason, terminal: false, workerId: null, endTime: NOW } });
      expect(events[3]).toMatchObject({ data: { reasonForIncompletion: `task calc failed after 0 retries: ${reason}` } });
    });

    it('evaluates value-param without the sandbox', () => {
      const valueParam = blueprintOf([{ kind: 'INLINE', taskType: 'INLINE', referenceTaskName: 'pick', inputParameters: { evaluatorType: 'value-param', expression: 'tier', tier: 'gold' } }], [0]);
      const events = givenWithScripts(scriptsOf({})).when(start(valueParam)).events();
      expect(events[2]).toMatchObject({ type: 'TaskCompleted', data: { outputData: { result: 'gold' } } });
    });

    it('fails it saying so in a process that has no sandbox', () => {
      const events = givenWithScripts(undefined).when(start(blueprint, { value: 1 })).events();
      expect(events[2]).toMatchObject({ type: 'TaskFailed', data: { reasonForIncompletion: expect.stringContaining('no script sandbox') } });
    });
  });

  describe('Running: a decision after a script task completed', () => {
    it('never evaluates it again (its outcome is in the events)', () => {
      const blueprint = blueprintOf(
        [
          simple('work', 'first'),
          { kind: 'INLINE', taskType: 'INLINE', referenceTaskName: 'calc', inputParameters: { evaluatorType: 'javascript', expression: '1' } },
          simple('work', 'last'),
        ],
        [0, 1, 2],
      );
      const scripts = scriptsOf({ '1': () => 1 });
      const history = decide(start(blueprint), { type: 'Empty' }, scripts);
      history.push(...decide(completed('t1', {}), foldEvents(history), scripts));
      expect(scripts.evaluated).toEqual(['1']);
      const last = byReference(history, 'last')!;
      const events = givenWithScripts(scripts, ...history).when(completed(last.taskId, {})).events();
      expect(events.map((event) => event.type)).toEqual(['TaskCompleted', 'WorkflowCompleted']);
      expect(scripts.evaluated).toEqual(['1']);
    });
  });

  describe('Empty: a run whose first task is a JSON_JQ_TRANSFORM', () => {
    const blueprint = blueprintOf(
      [{ kind: 'JSON_JQ_TRANSFORM', taskType: 'JSON_JQ_TRANSFORM', referenceTaskName: 'shape', inputParameters: { queryExpression: '.items[]', items: '${workflow.input.items}' } }],
      [0],
    );

    it('completes it with the first output as result and every output as resultList, over its whole input', () => {
      const scripts = scriptsOf({}, { '.items[]': (input) => (input as { items: unknown[] }).items });
      const events = givenWithScripts(scripts).when(start(blueprint, { items: ['a', 'b'] })).events();
      expect(events.map((event) => event.type)).toEqual(['WorkflowStarted', 'TaskScheduled', 'TaskCompleted', 'WorkflowCompleted']);
      expect(events[2]).toMatchObject({ data: { outputData: { result: 'a', resultList: ['a', 'b'] } } });
      const none = givenWithScripts(scriptsOf({}, { '.items[]': () => [] })).when(start(blueprint, { items: [] })).events();
      expect(none[2]).toMatchObject({ data: { outputData: { result: null, resultList: [] } } });
    });

    it('fails it with jq\'s message when the query fails', () => {
      const events = givenWithScripts(scriptsOf({})).when(start(blueprint, { items: [] })).events();
      expect(events[2]).toMatchObject({ type: 'TaskFailed', data: { reasonForIncompletion: 'queryExpression failed: jq: error: .items[]/0 is not defined' } });
      expect(events[3].type).toBe('WorkflowFailed');
    });
  });

  describe('Empty: a run that starts with a javascript SWITCH', () => {
    const blueprint = blueprintOf(
      [
        {
          kind: 'SWITCH',
          taskType: 'SWITCH',
          evaluatorType: 'javascript',
          referenceTaskName: 'route',
          inputParameters: { amount: '${workflow.input.amount}' },
          expression: '$.amount > 100 ? "large" : "small"',
          decisionCases: { large: [1] },
          defaultCase: [2],
        },
        simple('work', 'review'),
        simple('work', 'approve'),
      ],
      [0],
    );
    const scripts = () => scriptsOf({ '$.amount > 100 ? "large" : "small"': ($) => ((($.amount as number) > 100 ? 'large' : 'small')) });

    it('picks the case the expression\'s value names, in the start itself', () => {
      const events = givenWithScripts(scripts()).when(start(blueprint, { amount: 500 })).events();
      expect(events[2]).toMatchObject({ type: 'TaskCompleted', data: { outputData: { evaluationResult: ['large'] } } });
      expect(scheduledOf(events).map((task) => task.referenceTaskName)).toEqual(['route', 'review']);
    });

    it('takes the defaultCase when no case has that value', () => {
      const events = givenWithScripts(scripts()).when(start(blueprint, { amount: 5 })).events();
      expect(events[2]).toMatchObject({ data: { outputData: { evaluationResult: ['small'] } } });
      expect(scheduledOf(events).map((task) => task.referenceTaskName)).toEqual(['route', 'approve']);
    });

    it('fails the SWITCH and the run when the expression fails', () => {
      const events = givenWithScripts(scriptsOf({})).when(start(blueprint, { amount: 5 })).events();
      expect(events.map((event) => event.type)).toEqual(['WorkflowStarted', 'TaskScheduled', 'TaskFailed', 'WorkflowFailed']);
      expect(events[2]).toMatchObject({ data: { reasonForIncompletion: expect.stringMatching(/^SWITCH's expression failed: ReferenceError/) } });
    });
  });
});

describe('DO_WHILE', () => {
  const CONDITION = '$.loop.iteration < $.times';
  /** loop (times from the input) over `work`, then `after`. */
  const blueprint = blueprintOf(
    [
      { kind: 'DO_WHILE', taskType: 'DO_WHILE', referenceTaskName: 'loop', inputParameters: { times: '${workflow.input.times}' }, loopCondition: CONDITION, loopOver: [1] },
      simple('work', 'work', { round: '${loop.output.iteration}', previous: '${work.output.n}' }),
      simple('after', 'after', { last: '${work.output.n}' }),
    ],
    [0, 2],
  );
  const scripts = () => scriptsOf({ [CONDITION]: ($) => ($.loop as { iteration: number }).iteration < ($.times as number) });
  const TENANT_MAP = { '*': 'tenant_x,NO_DOMAIN' };

  /** The history after starting with `times` and completing the iterations `done` (work outputs n = iteration × 10). */
  function playTo(times: number, done: number, evaluator = scripts()): WorkflowEvent[] {
    const history = decide(start(blueprint, { times }, tenantAlive(), TENANT_MAP), { type: 'Empty' }, evaluator);
    for (let iteration = 1; iteration <= done; iteration += 1) {
      const work = byReference(history, `work__${iteration}`)!;
      history.push(...decide(completed(work.taskId, { n: iteration * 10 }), foldEvents(history), evaluator));
    }
    return history;
  }

  describe('Empty: a run that starts with a loop', () => {
    it('holds the DO_WHILE and schedules its first iteration\'s task as work__1, routed by the map', () => {
      const events = givenWithScripts(scripts()).when(start(blueprint, { times: 3 }, tenantAlive(), TENANT_MAP)).events();
      expect(events.map((event) => event.type)).toEqual(['WorkflowStarted', 'TaskScheduled', 'TaskScheduled']);
      expect(byReference(events, 'loop')).toMatchObject({ kind: 'DO_WHILE', domain: null });
      expect(byReference(events, 'work__1')).toMatchObject({ taskType: 'work', iteration: 1, domain: 'tenant_x', queueName: 'work@tenant_x', inputData: { round: 1 } });
      const state = foldEvents(events);
      expect(state.type === 'Running' && state.run.tasks[0].status).toBe('IN_PROGRESS');
    });
  });

  describe('Running: an iteration\'s last task completes', () => {
    it('evaluates the condition and, while it is true, schedules the next iteration (routed afresh, reading the last one)', () => {
      const history = playTo(3, 0);
      const work = byReference(history, 'work__1')!;
      const events = givenWithScripts(scripts(), ...history).when(completed(work.taskId, { n: 10 })).events();
      expect(events.map((event) => event.type)).toEqual(['TaskCompleted', 'TaskScheduled']);
      // `${loop.output.iteration}` is the iteration under way, as in Conductor.
      expect(events[1]).toMatchObject({ data: { referenceTaskName: 'work__2', iteration: 2, domain: 'tenant_x', inputData: { round: 2, previous: 10 } } });
    });

    it('gives the condition the DO_WHILE\'s input, its output under its name and each loop task\'s output under its name', () => {
      const evaluator = scripts();
      const seen: Array<Record<string, unknown>> = [];
      const recording: ScriptEvaluator = { javascript: (expression, input) => (seen.push(input), evaluator.javascript(expression, input)), jq: evaluator.jq };
      playTo(2, 1, recording as ScriptEvaluator & { evaluated: string[] });
      expect(seen).toEqual([{ times: 2, loop: { iteration: 1, '1': { work: { n: 10 } } }, work: { n: 10 } }]);
    });

    it('completes the DO_WHILE when the condition is false, with Conductor\'s output, and goes on after it', () => {
      const history = playTo(3, 2);
      const work = byReference(history, 'work__3')!;
      const events = givenWithScripts(scripts(), ...history).when(completed(work.taskId, { n: 30 })).events();
      expect(events.map((event) => event.type)).toEqual(['TaskCompleted', 'TaskCompleted', 'TaskScheduled']);
      expect(events[1]).toMatchObject({
        data: { taskId: byReference(history, 'loop')!.taskId, outputData: { iteration: 3, '1': { work: { n: 10 } }, '2': { work: { n: 20 } }, '3': { work: { n: 30 } } } },
      });
      expect(events[2]).toMatchObject({ data: { referenceTaskName: 'after', inputData: { last: 30 } } });
    });

    it('fails the DO_WHILE and the run when the condition cannot be evaluated', () => {
      const history = playTo(3, 0, scriptsOf({}));
      const work = byReference(history, 'work__1')!;
      const events = givenWithScripts(scriptsOf({}), ...history).when(completed(work.taskId, { n: 10 })).events();
      expect(events.map((event) => event.type)).toEqual(['TaskCompleted', 'TaskFailed', 'WorkflowFailed']);
      expect(events[1]).toMatchObject({ data: { reasonForIncompletion: expect.stringMatching(/^loopCondition failed after iteration 1: ReferenceError/) } });
    });

    it('runs exactly N iterations for a condition `iteration < N`, every one routed to the live domain', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 8 }), (times) => {
          const history = playTo(times, times);
          const works = scheduledOf(history).filter((task) => task.taskType === 'work');
          expect(works.map((task) => task.referenceTaskName)).toEqual(Array.from({ length: times }, (_, index) => `work__${index + 1}`));
          expect(works.every((task) => task.domain === 'tenant_x')).toBe(true);
          const loopDone = history.find((event) => event.type === 'TaskCompleted' && event.data.taskId === byReference(history, 'loop')!.taskId);
          expect(loopDone).toMatchObject({ data: { outputData: { iteration: times } } });
          expect(byReference(history, 'after')).toBeDefined();
        }),
        { numRuns: 20 },
      );
    });
  });

  describe('Failed: a loop task failed in its second iteration', () => {
    it('retries the run from that iteration: the task again as work__2, and the loop goes on to its end', () => {
      const history = playTo(3, 1);
      const failing = byReference(history, 'work__2')!;
      const failed: WorkflowCommand = {
        type: 'RecordTaskResult',
        data: { taskId: failing.taskId, status: 'FAILED', outputData: {}, reasonForIncompletion: 'boom', workerId: 'w1', callbackAfterSeconds: null, nextTaskId: 'x', routing: tenantAlive(), now: NOW },
      };
      history.push(...decide(failed, foldEvents(history), scripts()));
      expect(history.at(-1)).toMatchObject({ type: 'WorkflowFailed', data: { reasonForIncompletion: 'task work__2 failed after 0 retries: boom' } });
      const retry: WorkflowCommand = { type: 'RetryWorkflow', data: { nextTaskId: 'r', routing: tenantAlive(), now: NOW } };
      const events = givenWithScripts(scripts(), ...history).when(retry).events();
      expect(scheduledOf(events).map((task) => [task.referenceTaskName, task.iteration])).toEqual([
        ['loop', undefined],
        ['work__2', 2],
      ]);
      history.push(...events);
      const again = byReference(history, 'work__2')!;
      history.push(...decide(completed(again.taskId, { n: 20 }), foldEvents(history), scripts()));
      const third = byReference(history, 'work__3')!;
      const end = decide(completed(third.taskId, { n: 30 }), foldEvents(history), scripts());
      expect(end.map((event) => event.type)).toEqual(['TaskCompleted', 'TaskCompleted', 'TaskScheduled']);
      expect(end[1]).toMatchObject({ data: { outputData: { iteration: 3, '2': { work: { n: 20 } }, '3': { work: { n: 30 } } } } });
    });
  });

  describe('Running: a fork inside a loop', () => {
    it("joins each iteration's own branch tasks", () => {
      const forked = blueprintOf(
        [
          { kind: 'DO_WHILE', taskType: 'DO_WHILE', referenceTaskName: 'loop', inputParameters: { times: 2 }, loopCondition: CONDITION, loopOver: [1, 4] },
          { kind: 'FORK_JOIN', taskType: 'FORK', referenceTaskName: 'split', inputParameters: {}, branches: [[2], [3]] },
          simple('work', 'left'),
          simple('work', 'right'),
          { kind: 'JOIN', taskType: 'JOIN', referenceTaskName: 'meet', inputParameters: {}, joinOn: ['left', 'right'] },
        ],
        [0],
      );
      const history = decide(start(forked), { type: 'Empty' }, scripts());
      for (const reference of ['left__1', 'right__1']) history.push(...decide(completed(byReference(history, reference)!.taskId, { at: reference }), foldEvents(history), scripts()));
      expect(scheduledOf(history).map((task) => task.referenceTaskName)).toEqual(['loop', 'split__1', 'left__1', 'right__1', 'meet__1', 'split__2', 'left__2', 'right__2', 'meet__2']);
      const left = byReference(history, 'left__2')!;
      const events = givenWithScripts(scripts(), ...history).when(completed(left.taskId, { at: 'left__2' })).events();
      // meet__2 waits for right__2, whatever iteration 1's right did.
      expect(events.map((event) => event.type)).toEqual(['TaskCompleted']);
      history.push(...events);
      const right = byReference(history, 'right__2')!;
      const done = givenWithScripts(scripts(), ...history).when(completed(right.taskId, { at: 'right__2' })).events();
      expect(done[1]).toMatchObject({ type: 'TaskCompleted', data: { taskId: byReference(history, 'meet__2')!.taskId, outputData: { left: { at: 'left__2' }, right: { at: 'right__2' } } } });
      expect(done.slice(-2).map((event) => event.type)).toEqual(['TaskCompleted', 'WorkflowCompleted']);
    });
  });

  describe('Empty: a loop of script tasks only', () => {
    const inlineLoop = (condition: string) =>
      blueprintOf(
        [
          { kind: 'DO_WHILE', taskType: 'DO_WHILE', referenceTaskName: 'loop', inputParameters: {}, loopCondition: condition, loopOver: [1] },
          { kind: 'INLINE', taskType: 'INLINE', referenceTaskName: 'step', inputParameters: { evaluatorType: 'javascript', expression: 'count', n: '${step.output.result}' } },
        ],
        [0],
      );
    const counting = { count: ($: Record<string, unknown>) => (($.n as number | null) ?? 0) + 1 };

    it('runs all of its iterations in the start itself', () => {
      const scripts = scriptsOf({ ...counting, 'iteration < 5': ($) => ($.loop as { iteration: number }).iteration < 5 });
      const events = givenWithScripts(scripts).when(start(inlineLoop('iteration < 5'))).events();
      expect(scheduledOf(events).map((task) => task.referenceTaskName)).toEqual(['loop', 'step__1', 'step__2', 'step__3', 'step__4', 'step__5']);
      expect(events.slice(-2)).toMatchObject([{ type: 'TaskCompleted', data: { outputData: { iteration: 5, '5': { step: { result: 5 } } } } }, { type: 'WorkflowCompleted' }]);
    });

    it(`fails it after ${MAX_ITERATIONS_PER_DECISION} iterations in one decision when its condition stays true`, () => {
      const scripts = scriptsOf({ ...counting, 'true': () => true });
      const events = givenWithScripts(scripts).when(start(inlineLoop('true'))).events();
      expect(events.slice(-2)).toMatchObject([
        { type: 'TaskFailed', data: { reasonForIncompletion: expect.stringContaining(`ran ${MAX_ITERATIONS_PER_DECISION} iterations without waiting`) } },
        { type: 'WorkflowFailed' },
      ]);
    });
  });
});
