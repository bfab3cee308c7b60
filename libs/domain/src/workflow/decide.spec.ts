import { DomainError } from './domain-error';
import type { RoutingContext } from '../routing/resolve-domain';
import { parseTaskToDomain } from '../routing/task-to-domain';
import { PresenceSnapshot } from '../routing/worker-presence';
import type { WorkflowCommand } from './commands';
import { decide } from './decide';
import type { WorkflowBlueprint } from './definition';
import type { EventOf, WorkflowEvent } from './events';
import { evolve } from './evolve';
import type { WorkflowState } from './state';

// Given events (folded with evolve), when a command (decided), then events — or a DomainError.
function given(...history: WorkflowEvent[]) {
  const state = history.reduce<WorkflowState>(evolve, { type: 'Empty' });
  return {
    when: (command: WorkflowCommand) => ({
      /** The events decided, for assertions on a part of them. */
      events: () => decide(command, state),
      then: (expected: WorkflowEvent[]) => expect(decide(command, state)).toEqual(expected),
      thenFailsWith: (code: DomainError['code']) => {
        let error: unknown;
        try {
          decide(command, state);
        } catch (thrown) {
          error = thrown;
        }
        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).code).toBe(code);
      },
    }),
  };
}

/** A map's rules as the edge parses them and WorkflowStarted carries them. */
function parsedRules(map: Record<string, string>) {
  const parsed = parseTaskToDomain(map);
  if (!parsed.ok) throw new Error('bad map');
  return parsed.value;
}

const NOW = 1_700_000_000_000;
const LATER = NOW + 5_000;
const TIMEOUT = 10_000;

const blueprint: WorkflowBlueprint = {
  name: 'greeting',
  version: 1,
  tasks: [
    { taskType: 'fetch_user', referenceTaskName: 'user', inputParameters: { id: '${workflow.input.userId}' }, retryCount: 1, responseTimeoutSeconds: 30 },
    { taskType: 'greet', referenceTaskName: 'greeting', inputParameters: { name: '${user.output.name}', id: '${user.input.id}' }, retryCount: 0, responseTimeoutSeconds: 30 },
  ],
  outputParameters: { message: '${greeting.output.text}', userId: '${workflow.input.userId}' },
};

const nobody: RoutingContext = { presence: new PresenceSnapshot(), activeWorkerTimeoutMs: TIMEOUT };
/** Routing where one worker of this task type and domain was seen at `seenAt`. */
function alive(taskType: string, domain: string, seenAt = NOW): RoutingContext {
  const presence = new PresenceSnapshot();
  presence.apply({ taskType, domain, workerId: 'w', seenAt, gone: false });
  return { presence, activeWorkerTimeoutMs: TIMEOUT };
}

const started: EventOf<'WorkflowStarted'> = {
  type: 'WorkflowStarted',
  data: { workflowId: 'wf-1', blueprint, input: { userId: 42 }, taskToDomain: parsedRules({ fetch_user: 'canary,NO_DOMAIN' }), correlationId: null, startTime: NOW },
};

function scheduled(taskId: string, taskIndex: number, extra: Partial<EventOf<'TaskScheduled'>['data']> = {}): EventOf<'TaskScheduled'> {
  const task = blueprint.tasks[taskIndex];
  return {
    type: 'TaskScheduled',
    data: {
      taskId,
      workflowInstanceId: 'wf-1',
      workflowType: 'greeting',
      taskType: task.taskType,
      referenceTaskName: task.referenceTaskName,
      taskIndex,
      inputData: {},
      retryCount: 0,
      retriedTaskId: null,
      domain: null,
      queueName: task.taskType,
      routing: expect.anything(),
      scheduledTime: NOW,
      ...extra,
    },
  };
}

const completed = (taskId: string, outputData: Record<string, unknown>, endTime = NOW): EventOf<'TaskCompleted'> => ({
  type: 'TaskCompleted',
  data: { taskId, outputData, workerId: 'w', endTime },
});

const failed = (taskId: string, terminal = false, endTime = NOW): EventOf<'TaskFailed'> => ({
  type: 'TaskFailed',
  data: { taskId, outputData: {}, reasonForIncompletion: 'boom', terminal, workerId: 'w', endTime },
});

const result = (
  taskId: string,
  status: 'COMPLETED' | 'FAILED' | 'FAILED_WITH_TERMINAL_ERROR',
  outputData: Record<string, unknown> = {},
  routing: RoutingContext = nobody,
  now = NOW,
): WorkflowCommand => ({
  type: 'RecordTaskResult',
  data: { taskId, status, outputData, reasonForIncompletion: status === 'COMPLETED' ? null : 'boom', workerId: 'w', nextTaskId: 'next', routing, now },
});

function start(routing: RoutingContext = nobody, map: Record<string, string> = { fetch_user: 'canary,NO_DOMAIN' }): WorkflowCommand {
  const taskToDomain = parseTaskToDomain(map);
  if (!taskToDomain.ok) throw new Error('bad map');
  return {
    type: 'StartWorkflow',
    data: { workflowId: 'wf-1', blueprint, input: { userId: 42 }, taskToDomain: taskToDomain.value, correlationId: null, firstTaskId: 't1', routing, now: NOW },
  };
}

// The first task, on the default queue: nobody was alive in canary when it was scheduled.
const first = scheduled('t1', 0, { inputData: { id: 42 } });

describe('decide', () => {
  describe('Empty: a workflow that does not exist yet', () => {
    it('starts: WorkflowStarted with the blueprint, input, start time and the map as the client wrote it, and its first task', () => {
      given().when(start()).then([started, first]);
    });

    it('keeps the map in the client’s own spelling', () => {
      const taskToDomain = parseTaskToDomain({ '*': ' a , no_domain ' });
      if (!taskToDomain.ok) throw new Error('bad map');
      const [event] = given()
        .when({
          type: 'StartWorkflow',
          data: { workflowId: 'wf-2', blueprint, input: {}, taskToDomain: taskToDomain.value, correlationId: 'c-1', firstTaskId: 't1', routing: nobody, now: LATER },
        })
        .events();
      expect(event).toEqual({
        type: 'WorkflowStarted',
        data: { workflowId: 'wf-2', blueprint, input: {}, taskToDomain: { '*': { key: '*', value: ' a , no_domain ', domains: ['a'], fallsBackToNoDomain: true } }, correlationId: 'c-1', startTime: LATER },
      });
    });

    it('cannot record a task result: WORKFLOW_NOT_FOUND', () => {
      given().when(result('t1', 'COMPLETED')).thenFailsWith('WORKFLOW_NOT_FOUND');
    });

    it('cannot hold or time out a task: WORKFLOW_NOT_FOUND', () => {
      given().when({ type: 'StartTask', data: { taskId: 't1', workerId: 'http-1', now: NOW } }).thenFailsWith('WORKFLOW_NOT_FOUND');
      given().when({ type: 'TimeOutTask', data: { taskId: 't1', nextTaskId: 'x', routing: nobody, now: NOW } }).thenFailsWith('WORKFLOW_NOT_FOUND');
    });
  });

  describe('Empty: starting routes the first task by the presence known at the start', () => {
    it('schedules task 0 with its input evaluated from ${workflow.input.x}, routed to the default queue when canary is down', () => {
      given().when(start()).then([
        started,
        scheduled('t1', 0, {
          inputData: { id: 42 },
          domain: null,
          queueName: 'fetch_user',
          routing: {
            rule: 'NO_DOMAIN_FALLBACK',
            ruleKey: 'fetch_user',
            ruleValue: 'canary,NO_DOMAIN',
            candidates: [{ domain: 'canary', active: false, lastSeenAt: null }],
            activeWorkerTimeoutMs: TIMEOUT,
            summary: expect.stringContaining('default queue'),
          },
        }),
      ]);
    });

    it('routes task 0 to a live canary pool, as the map says', () => {
      given().when(start(alive('fetch_user', 'canary'))).then([
        started,
        scheduled('t1', 0, {
          inputData: { id: 42 },
          domain: 'canary',
          queueName: 'fetch_user@canary',
          routing: expect.objectContaining({ rule: 'FIRST_ACTIVE', ruleKey: 'fetch_user', candidates: [{ domain: 'canary', active: true, lastSeenAt: NOW }] }),
        }),
      ]);
    });

    it('does not count a canary worker of another task type', () => {
      const [, event] = given().when(start(alive('greet', 'canary'))).events() as [EventOf<'WorkflowStarted'>, EventOf<'TaskScheduled'>];
      expect(event.data).toMatchObject({ domain: null, queueName: 'fetch_user' });
    });

    it('routes to the default queue a workflow started with no map', () => {
      const [, event] = given().when(start(alive('fetch_user', 'canary'), {})).events() as [EventOf<'WorkflowStarted'>, EventOf<'TaskScheduled'>];
      expect(event.data).toMatchObject({ domain: null, queueName: 'fetch_user', routing: { rule: 'NO_RULE' } });
    });
  });

  describe('Running with no task yet (a run started before the start scheduled its first task)', () => {
    it('refuses to start twice: WORKFLOW_ALREADY_STARTED', () => {
      given(started).when(start()).thenFailsWith('WORKFLOW_ALREADY_STARTED');
    });

    it('refuses a result for a task it does not have: UNKNOWN_TASK', () => {
      given(started).when(result('t1', 'COMPLETED')).thenFailsWith('UNKNOWN_TASK');
    });
  });

  describe('Running with a scheduled task', () => {
    it('refuses to start twice: WORKFLOW_ALREADY_STARTED', () => {
      given(started, first).when(start()).thenFailsWith('WORKFLOW_ALREADY_STARTED');
    });

    it('on COMPLETED records the task and schedules the next, its input evaluated from ${user.output.name}', () => {
      given(started, first).when(result('t1', 'COMPLETED', { name: 'Ada' }, nobody, LATER)).then([
        completed('t1', { name: 'Ada' }, LATER),
        scheduled('next', 1, {
          inputData: { name: 'Ada', id: 42 },
          domain: null,
          queueName: 'greet',
          routing: expect.objectContaining({ rule: 'NO_RULE' }),
          scheduledTime: LATER,
        }),
      ]);
    });

    it('on the last task COMPLETED ends the workflow with its outputParameters evaluated', () => {
      const second = scheduled('t2', 1, { inputData: { name: 'Ada', id: 42 } });
      given(started, first, completed('t1', { name: 'Ada' }), second)
        .when(result('t2', 'COMPLETED', { text: 'Hello Ada' }, nobody, LATER))
        .then([completed('t2', { text: 'Hello Ada' }, LATER), { type: 'WorkflowCompleted', data: { output: { message: 'Hello Ada', userId: 42 }, endTime: LATER } }]);
    });

    it("without outputParameters ends with the last task's output, as Conductor does", () => {
      const bare = { ...started, data: { ...started.data, blueprint: { ...blueprint, tasks: [blueprint.tasks[0]], outputParameters: null } } };
      given(bare, first).when(result('t1', 'COMPLETED', { name: 'Ada' })).then([
        completed('t1', { name: 'Ada' }),
        { type: 'WorkflowCompleted', data: { output: { name: 'Ada' }, endTime: NOW } },
      ]);
    });

    it('on FAILED with retries left schedules a retry (retryCount+1, retriedTaskId), routed AGAIN: to the canary pool that came alive', () => {
      given(started, first).when(result('t1', 'FAILED', {}, alive('fetch_user', 'canary', LATER), LATER)).then([
        failed('t1', false, LATER),
        scheduled('next', 0, {
          inputData: { id: 42 },
          retryCount: 1,
          retriedTaskId: 't1',
          domain: 'canary',
          queueName: 'fetch_user@canary',
          routing: expect.objectContaining({ rule: 'FIRST_ACTIVE', candidates: [{ domain: 'canary', active: true, lastSeenAt: LATER }] }),
          scheduledTime: LATER,
        }),
      ]);
    });

    it('on FAILED with retries left routes the retry away from a canary pool that died', () => {
      const onCanary = scheduled('t1', 0, { inputData: { id: 42 }, domain: 'canary', queueName: 'fetch_user@canary' });
      const [, retry] = given(started, onCanary).when(result('t1', 'FAILED', {}, alive('fetch_user', 'canary', NOW), NOW + TIMEOUT + 1)).events();
      expect(retry).toMatchObject({ type: 'TaskScheduled', data: { domain: null, queueName: 'fetch_user', routing: { rule: 'NO_DOMAIN_FALLBACK' } } });
    });

    it('on FAILED with no retries left fails the workflow, saying which task and why', () => {
      const retry = scheduled('t1b', 0, { inputData: { id: 42 }, retryCount: 1, retriedTaskId: 't1' });
      given(started, first, failed('t1'), retry).when(result('t1b', 'FAILED', {}, alive('fetch_user', 'canary'), LATER)).then([
        failed('t1b', false, LATER),
        { type: 'WorkflowFailed', data: { reasonForIncompletion: 'task user failed after 1 retries: boom', failedTaskId: 't1b', endTime: LATER } },
      ]);
    });

    it('on FAILED of a task with retryCount 0 fails the workflow at once', () => {
      const second = scheduled('t2', 1);
      given(started, first, completed('t1', { name: 'Ada' }), second).when(result('t2', 'FAILED')).then([
        failed('t2'),
        { type: 'WorkflowFailed', data: { reasonForIncompletion: 'task greeting failed after 0 retries: boom', failedTaskId: 't2', endTime: NOW } },
      ]);
    });

    it('on FAILED_WITH_TERMINAL_ERROR fails the workflow without retrying, retries left or not', () => {
      given(started, first).when(result('t1', 'FAILED_WITH_TERMINAL_ERROR', {}, alive('fetch_user', 'canary'))).then([
        failed('t1', true),
        { type: 'WorkflowFailed', data: { reasonForIncompletion: 'task user failed with a terminal error: boom', failedTaskId: 't1', endTime: NOW } },
      ]);
    });

    it('passes on the output of the latest attempt, not of the failed one it retried', () => {
      const failedWithOutput: EventOf<'TaskFailed'> = { type: 'TaskFailed', data: { ...failed('t1').data, outputData: { name: 'stale' } } };
      const retry = scheduled('t1b', 0, { inputData: { id: 42 }, retryCount: 1, retriedTaskId: 't1' });
      const [, next] = given(started, first, failedWithOutput, retry).when(result('t1b', 'COMPLETED', { name: 'Ada' })).events();
      expect(next).toMatchObject({ type: 'TaskScheduled', data: { taskIndex: 1, inputData: { name: 'Ada', id: 42 } } });
    });

    it('ignores a duplicate result for a task that has ended', () => {
      given(started, first, completed('t1', { name: 'Ada' }), scheduled('t2', 1)).when(result('t1', 'COMPLETED', { name: 'Bob' })).then([]);
    });

    it('ignores a late result for a failed attempt once its retry is scheduled', () => {
      const retry = scheduled('t1b', 0, { retryCount: 1, retriedTaskId: 't1' });
      given(started, first, failed('t1'), retry).when(result('t1', 'COMPLETED', { name: 'Ada' })).then([]);
    });

    it('refuses a result for an unknown task: UNKNOWN_TASK', () => {
      given(started, first).when(result('stranger', 'COMPLETED')).thenFailsWith('UNKNOWN_TASK');
    });
  });

  describe('Running with a task held by an HTTP worker', () => {
    const take: WorkflowCommand = { type: 'StartTask', data: { taskId: 't1', workerId: 'http-1', now: NOW } };
    const held: WorkflowEvent = { type: 'TaskStarted', data: { taskId: 't1', workerId: 'http-1', startTime: NOW, responseTimeoutAt: NOW + 30_000 } };
    const timeOut = (now: number, routing: RoutingContext = nobody): WorkflowCommand => ({
      type: 'TimeOutTask',
      data: { taskId: 't1', nextTaskId: 'again', routing, now },
    });

    it('is held for the worker until its response timeout', () => {
      given(started, first).when(take).then([held]);
    });

    it('cannot be taken twice (a redelivered task message)', () => {
      given(started, first, held).when(take).then([]);
    });

    it('accepts the worker’s result as if it were still scheduled', () => {
      given(started, first, held).when(result('t1', 'COMPLETED', { name: 'Ada' })).then([
        completed('t1', { name: 'Ada' }),
        scheduled('next', 1, { inputData: { name: 'Ada', id: 42 } }),
      ]);
    });

    it('is not timed out before its deadline', () => {
      given(started, first, held).when(timeOut(NOW + 29_999)).then([]);
    });

    it('times out at its deadline and is scheduled again, routed afresh', () => {
      given(started, first, held).when(timeOut(NOW + 30_000, alive('fetch_user', 'canary', NOW + 30_000))).then([
        { type: 'TaskTimedOut', data: { taskId: 't1', endTime: NOW + 30_000 } },
        scheduled('again', 0, { inputData: { id: 42 }, retryCount: 1, retriedTaskId: 't1', domain: 'canary', queueName: 'fetch_user@canary', scheduledTime: NOW + 30_000 }),
      ]);
    });

    it('ignores the sweeper once the result is in', () => {
      given(started, first, held, completed('t1', { name: 'Ada' })).when(timeOut(NOW + 60_000)).then([]);
    });

    it('fails the run when the timed-out task has no retries left', () => {
      const second = scheduled('t2', 1);
      const heldSecond: WorkflowEvent = { type: 'TaskStarted', data: { taskId: 't2', workerId: 'w', startTime: NOW, responseTimeoutAt: NOW + 1 } };
      given(started, first, completed('t1', {}), second, heldSecond)
        .when({ type: 'TimeOutTask', data: { taskId: 't2', nextTaskId: 'x', routing: nobody, now: NOW + 5 } })
        .then([
          { type: 'TaskTimedOut', data: { taskId: 't2', endTime: NOW + 5 } },
          {
            type: 'WorkflowFailed',
            data: { reasonForIncompletion: 'task greeting failed after 0 retries: no result within the response timeout', failedTaskId: 't2', endTime: NOW + 5 },
          },
        ]);
    });
  });

  describe('Completed', () => {
    const history: WorkflowEvent[] = [
      started,
      first,
      completed('t1', { name: 'Ada' }),
      scheduled('t2', 1),
      completed('t2', { text: 'hi' }),
      { type: 'WorkflowCompleted', data: { output: { message: 'hi', userId: 42 }, endTime: NOW } },
    ];

    it('ignores a result that comes after the workflow completed', () => {
      given(...history).when(result('t2', 'FAILED')).then([]);
      given(...history).when(result('t1', 'COMPLETED', { name: 'Bob' })).then([]);
    });

    it('refuses to start again: WORKFLOW_ALREADY_STARTED', () => {
      given(...history).when(start()).thenFailsWith('WORKFLOW_ALREADY_STARTED');
    });

    it('refuses a result for an unknown task: UNKNOWN_TASK', () => {
      given(...history).when(result('stranger', 'COMPLETED')).thenFailsWith('UNKNOWN_TASK');
    });
  });

  describe('Failed', () => {
    const history: WorkflowEvent[] = [
      started,
      first,
      failed('t1', true),
      { type: 'WorkflowFailed', data: { reasonForIncompletion: 'task user failed with a terminal error: boom', failedTaskId: 't1', endTime: NOW } },
    ];

    it('ignores a late result, COMPLETED or FAILED, and schedules nothing', () => {
      given(...history).when(result('t1', 'COMPLETED', { name: 'Ada' })).then([]);
      given(...history).when(result('t1', 'FAILED')).then([]);
    });

    it('refuses to start again: WORKFLOW_ALREADY_STARTED', () => {
      given(...history).when(start()).thenFailsWith('WORKFLOW_ALREADY_STARTED');
    });
  });
});
