import fc from 'fast-check';
import type { RoutingContext } from '../routing/resolve-domain';
import { type TaskToDomain, parseTaskToDomain } from '../routing/task-to-domain';
import { PresenceSnapshot } from '../routing/worker-presence';
import type { SubWorkflowOutcome, WorkflowCommand } from './commands';
import { decide } from './decide';
import type { BlueprintTask, SimpleBlueprintTask, WorkflowBlueprint } from './definition';
import type { EventOf, WorkflowEvent } from './events';
import { foldEvents } from './evolve';
import { given } from './given-when-then.test-support';
import { type WorkflowState, isOpenTask } from './state';

const NOW = 1_700_000_000_000;
const TIMEOUT = 10_000;

function rules(map: Record<string, string>): TaskToDomain {
  const parsed = parseTaskToDomain(map);
  if (!parsed.ok) throw new Error('bad map');
  return parsed.value;
}

function seen(...sightings: Array<[taskType: string, domain: string]>): RoutingContext {
  const presence = new PresenceSnapshot();
  sightings.forEach(([taskType, domain], i) => presence.apply({ taskType, domain, workerId: `w${i}`, seenAt: NOW, gone: false }));
  return { presence, activeWorkerTimeoutMs: TIMEOUT };
}
const nobody = seen();

const simple = (taskType: string, referenceTaskName: string, inputParameters: Record<string, unknown> = {}, retries = 0): SimpleBlueprintTask => ({
  taskType,
  referenceTaskName,
  inputParameters,
  retryCount: retries,
  retryDelaySeconds: 0,
  responseTimeoutSeconds: 30,
});

const child: WorkflowBlueprint = { name: 'shipping', version: 1, tasks: [simple('label', 'label')], outputParameters: null };

/**
 * fork ─┬─ charge → receipt ─┐
 *       └─ pack ─────────────┴─ join(receipt, pack) → route ─┬─ gold: express
 *                                                             └─ default: standard (child run)
 * → notify
 */
function orderBlueprint(change: { childMap?: TaskToDomain | null; chargeRetries?: number; chargeDelaySeconds?: number } = {}): WorkflowBlueprint {
  return {
    name: 'order',
    version: 1,
    tasks: [
      { kind: 'FORK_JOIN', taskType: 'FORK', referenceTaskName: 'fork', inputParameters: {}, branches: [[1, 2], [3]] },
      { ...simple('charge', 'charge', { amount: '${workflow.input.amount}' }, change.chargeRetries ?? 0), retryDelaySeconds: change.chargeDelaySeconds ?? 0 },
      simple('mail', 'receipt', { paid: '${charge.output.paid}' }),
      simple('pack', 'pack'),
      { kind: 'JOIN', taskType: 'JOIN', referenceTaskName: 'join', inputParameters: {}, joinOn: ['receipt', 'pack'] },
      { kind: 'SWITCH', taskType: 'SWITCH', referenceTaskName: 'route', inputParameters: { tier: '${workflow.input.tier}' }, expression: 'tier', decisionCases: { gold: [6] }, defaultCase: [7] },
      simple('ship', 'express'),
      { kind: 'SUB_WORKFLOW', taskType: 'SUB_WORKFLOW', referenceTaskName: 'standard', inputParameters: { box: '${pack.output.box}' }, blueprint: child, taskToDomain: change.childMap ?? null },
      simple('notify', 'notify', { box: '${join.output.pack.box}', tracking: '${standard.output.tracking}' }),
    ],
    sequence: [0, 4, 5, 8],
    outputParameters: null,
  };
}

const TENANT_MAP = rules({ '*': 'tenant_x,NO_DOMAIN' });

function start(blueprint: WorkflowBlueprint, routing: RoutingContext = nobody, input: Record<string, unknown> = { amount: 12, tier: 'silver' }): WorkflowCommand {
  return {
    type: 'StartWorkflow',
    data: { workflowId: 'wf-1', blueprint, input, taskToDomain: TENANT_MAP, correlationId: 'c-1', firstTaskId: 't1', routing, now: NOW },
  };
}

const result = (
  taskId: string,
  status: 'COMPLETED' | 'FAILED',
  outputData: Record<string, unknown> = {},
  nextTaskId = 'n',
  routing: RoutingContext = nobody,
): WorkflowCommand => ({
  type: 'RecordTaskResult',
  data: { taskId, status, outputData, reasonForIncompletion: status === 'FAILED' ? 'declined' : null, workerId: 'w', callbackAfterSeconds: null, nextTaskId, routing, now: NOW },
});

const childEnded = (taskId: string, status: SubWorkflowOutcome, output: Record<string, unknown> = {}, subWorkflowId = taskId): WorkflowCommand => ({
  type: 'RecordSubWorkflowResult',
  data: { taskId, subWorkflowId, status, output, reasonForIncompletion: status === 'COMPLETED' ? null : 'label printer on fire', nextTaskId: 'c', routing: nobody, now: NOW },
});

/** Plays commands from the empty state, each on what the ones before it appended. */
function play(...commands: WorkflowCommand[]): WorkflowEvent[] {
  const history: WorkflowEvent[] = [];
  for (const command of commands) history.push(...decide(command, foldEvents(history)));
  return history;
}

const scheduledOf = (events: readonly WorkflowEvent[]) =>
  events.filter((event): event is EventOf<'TaskScheduled'> => event.type === 'TaskScheduled').map((event) => event.data);

const byReference = (events: readonly WorkflowEvent[], reference: string) => {
  const found = scheduledOf(events).filter((task) => task.referenceTaskName === reference);
  return found[found.length - 1];
};

/** Started, both branches done: the run waits on its child (tier silver). */
function upToTheChild(blueprint = orderBlueprint()): WorkflowEvent[] {
  const begun = play(start(blueprint));
  const charge = byReference(begun, 'charge').taskId;
  const pack = byReference(begun, 'pack').taskId;
  const afterCharge = [...begun, ...decide(result(charge, 'COMPLETED', { paid: true }, 'r1'), foldEvents(begun))];
  const receipt = byReference(afterCharge, 'receipt').taskId;
  const afterReceipt = [...afterCharge, ...decide(result(receipt, 'COMPLETED', {}, 'r2'), foldEvents(afterCharge))];
  return [...afterReceipt, ...decide(result(pack, 'COMPLETED', { box: 'B-7' }, 'r3'), foldEvents(afterReceipt))];
}

describe('control flow', () => {
  describe('Empty: a run with a fork starts', () => {
    it('completes the fork at once and schedules the first task of every branch and the JOIN, each branch task routed on its own', () => {
      const events = given().when(start(orderBlueprint(), seen(['charge', 'tenant_x']))).events();
      expect(events.map((event) => event.type)).toEqual(['WorkflowStarted', 'TaskScheduled', 'TaskCompleted', 'TaskScheduled', 'TaskScheduled', 'TaskScheduled']);
      const [fork, charge, pack, join] = scheduledOf(events);
      expect(fork).toMatchObject({ taskId: 't1', taskType: 'FORK', kind: 'FORK_JOIN', domain: null, queueName: '' });
      expect(fork.routing.summary).toContain('system task');
      // tenant_x has a live charge worker only: charge goes there, pack falls back to no domain.
      expect(charge).toMatchObject({ taskId: 't1.1', referenceTaskName: 'charge', domain: 'tenant_x', queueName: 'charge@tenant_x', inputData: { amount: 12 } });
      expect(charge.routing.rule).toBe('FIRST_ACTIVE');
      expect(pack).toMatchObject({ taskId: 't1.2', referenceTaskName: 'pack', domain: null, queueName: 'pack' });
      expect(pack.routing.rule).toBe('NO_DOMAIN_FALLBACK');
      expect(join).toMatchObject({ taskId: 't1.3', taskType: 'JOIN', kind: 'JOIN', domain: null });
      const state = foldEvents(events);
      expect(state.type === 'Running' && state.run.tasks.map((task) => [task.referenceTaskName, task.status])).toEqual([
        ['fork', 'COMPLETED'],
        ['charge', 'SCHEDULED'],
        ['pack', 'SCHEDULED'],
        ['join', 'IN_PROGRESS'],
      ]);
    });
  });

  describe('Running: inside a fork', () => {
    const begun = play(start(orderBlueprint()));
    const chargeId = byReference(begun, 'charge').taskId;
    const packId = byReference(begun, 'pack').taskId;

    it('goes on along a branch when its task completes, and the JOIN keeps waiting', () => {
      const events = given(...begun).when(result(chargeId, 'COMPLETED', { paid: true }, 'r1')).events();
      expect(events.map((event) => event.type)).toEqual(['TaskCompleted', 'TaskScheduled']);
      expect(scheduledOf(events)[0]).toMatchObject({ taskId: 'r1', referenceTaskName: 'receipt', inputData: { paid: true } });
    });

    it('completes the JOIN with the outputs of its tasks by reference name once the last is done, then the SWITCH picks its case', () => {
      const afterCharge = [...begun, ...decide(result(chargeId, 'COMPLETED', { paid: true }, 'r1'), foldEvents(begun))];
      const afterReceipt = [...afterCharge, ...decide(result('r1', 'COMPLETED', { sent: 1 }, 'r2'), foldEvents(afterCharge))];
      const events = given(...afterReceipt).when(result(packId, 'COMPLETED', { box: 'B-7' }, 'r3')).events();
      expect(events.map((event) => event.type)).toEqual(['TaskCompleted', 'TaskCompleted', 'TaskScheduled', 'TaskCompleted', 'TaskScheduled']);
      expect(events[1]).toEqual({ type: 'TaskCompleted', data: { taskId: 't1.3', outputData: { receipt: { sent: 1 }, pack: { box: 'B-7' } }, workerId: null, endTime: NOW } });
      const [route, standard] = scheduledOf(events);
      expect(route).toMatchObject({ taskId: 'r3', kind: 'SWITCH', inputData: { tier: 'silver' } });
      expect(events[3]).toMatchObject({ type: 'TaskCompleted', data: { taskId: 'r3', outputData: { evaluationResult: ['silver'] } } });
      expect(standard).toMatchObject({ taskId: 'r3.1', referenceTaskName: 'standard', kind: 'SUB_WORKFLOW', inputData: { box: 'B-7' } });
    });

    it('retries a branch task on its own while the other branch runs, after its delay', () => {
      const delayed = play(start(orderBlueprint({ chargeRetries: 1, chargeDelaySeconds: 5 })));
      const events = given(...delayed).when(result(chargeId, 'FAILED')).events();
      expect(events.map((event) => event.type)).toEqual(['TaskFailed', 'TaskRetryDelayed']);
      const waiting = [...delayed, ...events];
      // The other branch's result does not bring the retry forward.
      expect(given(...waiting).when(result(packId, 'COMPLETED')).events().map((event) => event.type)).toEqual(['TaskCompleted']);
      const due: WorkflowCommand = { type: 'FireTimer', data: { timer: { workflowId: 'wf-1', kind: 'RETRY', taskId: chargeId, dueAt: NOW + 5_000 }, nextTaskId: 'again', routing: nobody, now: NOW + 5_000 } };
      expect(scheduledOf(given(...waiting).when(due).events())).toEqual([expect.objectContaining({ taskId: 'again', referenceTaskName: 'charge', retryCount: 1, retriedTaskId: chargeId })]);
    });

    it('fails the run when a branch task has no retry left, cancelling what still runs in the other branch and the JOIN', () => {
      given(...begun)
        .when(result(chargeId, 'FAILED'))
        .then([
          { type: 'TaskFailed', data: { taskId: chargeId, outputData: {}, reasonForIncompletion: 'declined', terminal: false, workerId: 'w', endTime: NOW } },
          { type: 'TaskCanceled', data: { taskId: packId, reason: 'the run failed: task charge failed after 0 retries: declined', endTime: NOW } },
          { type: 'TaskCanceled', data: { taskId: 't1.3', reason: 'the run failed: task charge failed after 0 retries: declined', endTime: NOW } },
          { type: 'WorkflowFailed', data: { reasonForIncompletion: 'task charge failed after 0 retries: declined', failedTaskId: chargeId, endTime: NOW } },
        ]);
    });

    it('refuses a worker result for a system task: Turnout ends a JOIN itself', () => {
      given(...begun).when(result('t1.3', 'COMPLETED')).thenFailsWith('INVALID_STATE');
    });
  });

  describe('Running: at a switch', () => {
    it("schedules the chosen case's tasks, routed like any other", () => {
      const history = play(start(orderBlueprint(), seen(['ship', 'tenant_x']), { amount: 1, tier: 'gold' }));
      const charge = byReference(history, 'charge').taskId;
      const pack = byReference(history, 'pack').taskId;
      const done = [result(charge, 'COMPLETED', {}, 'a'), result('a', 'COMPLETED', {}, 'b')].reduce(
        (events, command) => [...events, ...decide(command, foldEvents(events))],
        history,
      );
      const events = decide(result(pack, 'COMPLETED', {}, 'c', seen(['ship', 'tenant_x'])), foldEvents(done));
      expect(byReference(events, 'express')).toMatchObject({ taskType: 'ship', domain: 'tenant_x', queueName: 'ship@tenant_x' });
      expect(byReference(events, 'standard')).toBeUndefined();
    });

    it('takes the default case when no case matches', () => {
      expect(byReference(upToTheChild(), 'standard')).toBeDefined();
      expect(byReference(upToTheChild(), 'express')).toBeUndefined();
    });
  });

  describe('Running: waiting on a child run', () => {
    const history = upToTheChild();
    const standard = byReference(history, 'standard');

    it("names the child (the attempt's id) and gives it the parent's map", () => {
      expect(standard.subWorkflow).toEqual({ workflowId: standard.taskId, taskToDomain: TENANT_MAP });
      const state = foldEvents(history);
      expect(state.type === 'Running' && state.run.tasks.find((task) => task.taskId === standard.taskId)?.status).toBe('IN_PROGRESS');
    });

    it("gives the child subWorkflowParam.taskToDomain instead, whole, when the task has one", () => {
      const own = rules({ label: 'printers' });
      expect(byReference(upToTheChild(orderBlueprint({ childMap: own })), 'standard').subWorkflow).toEqual({ workflowId: expect.any(String), taskToDomain: own });
    });

    it("completes the task with the child's output and its id when the child completes, and ${ref.output} reaches it", () => {
      const events = given(...history).when(childEnded(standard.taskId, 'COMPLETED', { tracking: 'TRK-1' })).events();
      expect(events[0]).toEqual({ type: 'TaskCompleted', data: { taskId: standard.taskId, outputData: { tracking: 'TRK-1', subWorkflowId: standard.taskId }, workerId: null, endTime: NOW } });
      expect(scheduledOf(events)).toEqual([expect.objectContaining({ referenceTaskName: 'notify', inputData: { box: 'B-7', tracking: 'TRK-1' } })]);
    });

    it("fails the task, and so the run, with the child's reason when the child fails", () => {
      const events = given(...history).when(childEnded(standard.taskId, 'FAILED')).events();
      expect(events.map((event) => event.type)).toEqual(['TaskFailed', 'WorkflowFailed']);
      expect(events[0]).toMatchObject({ data: { reasonForIncompletion: `sub-workflow ${standard.taskId} FAILED: label printer on fire`, terminal: false } });
    });

    it('hears the same child once: a second word, or a word of another child, decides nothing', () => {
      const once = [...history, ...decide(childEnded(standard.taskId, 'COMPLETED'), foldEvents(history))];
      given(...once).when(childEnded(standard.taskId, 'COMPLETED')).then([]);
      given(...history).when(childEnded(standard.taskId, 'COMPLETED', {}, 'someone-else')).then([]);
    });

    it("gives a child started after the parent's map changed the new map", () => {
      const begun = play(start(orderBlueprint()));
      const changed: WorkflowCommand = { type: 'ChangeTaskToDomain', data: { taskToDomain: rules({ '*': 'tenant_y' }), reroute: false, nextTaskId: 'x', routing: nobody, now: NOW } };
      let events = [...begun, ...decide(changed, foldEvents(begun))];
      for (const reference of ['charge', 'pack', 'receipt']) {
        events = [...events, ...decide(result(byReference(events, reference).taskId, 'COMPLETED', {}, `after-${reference}`), foldEvents(events))];
      }
      expect(byReference(events, 'standard').subWorkflow?.taskToDomain).toEqual(rules({ '*': 'tenant_y' }));
    });

    it('refuses a worker result for the SUB_WORKFLOW task', () => {
      given(...history).when(result(standard.taskId, 'COMPLETED')).thenFailsWith('INVALID_STATE');
    });

    it('cancels the child task when the run is terminated (the child is terminated by its reaction)', () => {
      const events = given(...history).when({ type: 'TerminateWorkflow', data: { reason: 'stop', now: NOW } }).events();
      expect(events).toContainEqual({ type: 'TaskCanceled', data: { taskId: standard.taskId, reason: 'workflow terminated: stop', endTime: NOW } });
    });

    it('completes the run once the last task of its own sequence does, with that output', () => {
      const afterChild = [...history, ...decide(childEnded(standard.taskId, 'COMPLETED', { tracking: 'TRK-1' }), foldEvents(history))];
      const notify = byReference(afterChild, 'notify').taskId;
      given(...afterChild)
        .when(result(notify, 'COMPLETED', { told: true }))
        .then([
          { type: 'TaskCompleted', data: { taskId: notify, outputData: { told: true }, workerId: 'w', endTime: NOW } },
          { type: 'WorkflowCompleted', data: { output: { told: true }, endTime: NOW } },
        ]);
    });
  });

  describe('Failed: retried', () => {
    it('retries the failed child (same child id) rather than starting another', () => {
      const history = upToTheChild();
      const standard = byReference(history, 'standard');
      const failedRun = [...history, ...decide(childEnded(standard.taskId, 'FAILED'), foldEvents(history))];
      const events = given(...failedRun).when({ type: 'RetryWorkflow', data: { nextTaskId: 'again', routing: nobody, now: NOW } }).events();
      expect(events.map((event) => event.type)).toEqual(['WorkflowRetried', 'TaskScheduled']);
      expect(scheduledOf(events)[0]).toMatchObject({ taskId: 'again', referenceTaskName: 'standard', retriedTaskId: standard.taskId, subWorkflow: { workflowId: standard.taskId } });
    });

    it('schedules again both the failed branch task and the one cancelled beside it', () => {
      const begun = play(start(orderBlueprint()));
      const failedRun = [...begun, ...decide(result(byReference(begun, 'charge').taskId, 'FAILED'), foldEvents(begun))];
      const events = given(...failedRun).when({ type: 'RetryWorkflow', data: { nextTaskId: 'again', routing: nobody, now: NOW } }).events();
      expect(scheduledOf(events).map((task) => [task.taskId, task.referenceTaskName])).toEqual([
        ['again', 'charge'],
        ['again.1', 'pack'],
        ['again.2', 'join'],
      ]);
    });
  });

  describe('Running: a fork inside a fork', () => {
    const nested: WorkflowBlueprint = {
      name: 'nested',
      version: 1,
      tasks: [
        { kind: 'FORK_JOIN', taskType: 'FORK', referenceTaskName: 'outer', inputParameters: {}, branches: [[1, 4], [5]] },
        { kind: 'FORK_JOIN', taskType: 'FORK', referenceTaskName: 'inner', inputParameters: {}, branches: [[2], [3]] },
        simple('a', 'a'),
        simple('b', 'b'),
        { kind: 'JOIN', taskType: 'JOIN', referenceTaskName: 'innerJoin', inputParameters: {}, joinOn: ['a', 'b'] },
        simple('c', 'c'),
        { kind: 'JOIN', taskType: 'JOIN', referenceTaskName: 'outerJoin', inputParameters: {}, joinOn: ['innerJoin', 'c'] },
      ],
      sequence: [0, 6],
      outputParameters: null,
    };

    it('runs the inner branches beside the outer one, and joins inside out', () => {
      let events = play(start(nested));
      // Step by step: the outer fork's branches and JOIN, then the inner fork's.
      expect(scheduledOf(events).map((task) => task.referenceTaskName)).toEqual(['outer', 'inner', 'c', 'outerJoin', 'a', 'b', 'innerJoin']);
      for (const reference of ['c', 'a', 'b']) {
        events = [...events, ...decide(result(byReference(events, reference).taskId, 'COMPLETED', { by: reference }, `done-${reference}`), foldEvents(events))];
      }
      const state = foldEvents(events);
      expect(state.type).toBe('Completed');
      expect(state.type === 'Completed' && state.output).toEqual({ innerJoin: { a: { by: 'a' }, b: { by: 'b' } }, c: { by: 'c' } });
    });
  });

  describe('a child run', () => {
    const parent = { workflowId: 'parent-1', taskId: 'sub-1' };
    const childStart: WorkflowCommand = {
      type: 'StartWorkflow',
      data: { workflowId: 'sub-1', blueprint: child, input: {}, taskToDomain: TENANT_MAP, correlationId: null, firstTaskId: 'l1', routing: nobody, now: NOW, parent },
    };

    it('names its parent when it starts and when it ends, however it ends', () => {
      const begun = play(childStart);
      expect(begun[0]).toMatchObject({ type: 'WorkflowStarted', data: { parent } });
      expect(decide(result('l1', 'COMPLETED', { tracking: 'T' }), foldEvents(begun))).toContainEqual({ type: 'WorkflowCompleted', data: { output: { tracking: 'T' }, endTime: NOW, parent } });
      expect(decide({ type: 'TerminateWorkflow', data: { reason: 'stop', now: NOW } }, foldEvents(begun))).toContainEqual({
        type: 'WorkflowTerminated',
        data: { reasonForIncompletion: 'stop', endTime: NOW, parent },
      });
    });
  });

  describe('property: a fork joins once, whatever order its branches finish in', () => {
    const forkOf = (lengths: readonly number[]): WorkflowBlueprint => {
      const tasks: BlueprintTask[] = [{ kind: 'FORK_JOIN', taskType: 'FORK', referenceTaskName: 'fork', inputParameters: {}, branches: [] }];
      const branches: number[][] = [];
      const lasts: string[] = [];
      lengths.forEach((length, branch) => {
        const indices: number[] = [];
        for (let step = 0; step < length; step += 1) {
          indices.push(tasks.length);
          tasks.push(simple('work', `b${branch}s${step}`));
        }
        branches.push(indices);
        lasts.push(`b${branch}s${length - 1}`);
      });
      tasks[0] = { ...tasks[0], branches } as BlueprintTask;
      tasks.push({ kind: 'JOIN', taskType: 'JOIN', referenceTaskName: 'join', inputParameters: {}, joinOn: lasts });
      return { name: 'fan', version: 1, tasks, sequence: [0, tasks.length - 1], outputParameters: null };
    };

    it('schedules each task once and completes the JOIN once, after the last of its tasks', () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 30 }), (lengths, picks) => {
          const blueprint = forkOf(lengths);
          let history = play(start(blueprint));
          let state: WorkflowState = foldEvents(history);
          for (let step = 0; state.type === 'Running' && step < 40; step += 1) {
            const open = state.run.tasks.filter((task) => isOpenTask(task) && task.kind === undefined);
            const pick = open[(picks[step] ?? 0) % open.length];
            history = [...history, ...decide(result(pick.taskId, 'COMPLETED', { by: pick.referenceTaskName }, `s${step}`), state)];
            state = foldEvents(history);
          }
          expect(state.type).toBe('Completed');
          const simpleCount = lengths.reduce((sum, length) => sum + length, 0);
          expect(scheduledOf(history).filter((task) => task.kind === undefined)).toHaveLength(simpleCount);
          const joinId = scheduledOf(history).find((task) => task.kind === 'JOIN')?.taskId;
          const joinCompletions = history.filter((event) => event.type === 'TaskCompleted' && event.data.taskId === joinId);
          expect(joinCompletions).toHaveLength(1);
          expect(Object.keys((joinCompletions[0] as EventOf<'TaskCompleted'>).data.outputData).sort()).toEqual(lengths.map((length, branch) => `b${branch}s${length - 1}`).sort());
        }),
        { numRuns: 200 },
      );
    });
  });
});
