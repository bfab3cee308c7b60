import type { RoutingReason } from '../routing/resolve-domain';
import type { TaskToDomain } from '../routing/task-to-domain';
import type { WorkflowBlueprint } from './definition';
import type { EventOf, TaskTimeoutKind, WorkflowEvent, WorkflowEventType } from './events';
import { TIMEOUT_REASONS, evolve, foldEvents } from './evolve';
import { type TaskRun, type WorkflowRun, type WorkflowState, initialState } from './state';

const T0 = 1_700_000_000_000;

// The run's map as the edge parsed it: WorkflowStarted carries it, the state holds it.
const canaryMap: TaskToDomain = { fetch_user: { key: 'fetch_user', value: 'canary,NO_DOMAIN', domains: ['canary'], fallsBackToNoDomain: true } };

const blueprint: WorkflowBlueprint = {
  name: 'greeting',
  version: 1,
  tasks: [
    { taskType: 'fetch_user', referenceTaskName: 'user', inputParameters: { id: '${workflow.input.userId}' }, retryCount: 1, responseTimeoutSeconds: 30 },
    { taskType: 'greet', referenceTaskName: 'greeting', inputParameters: { name: '${user.output.name}' }, retryCount: 1, responseTimeoutSeconds: 30 },
  ],
  outputParameters: { message: '${greeting.output.text}' },
};

const reason = (rule: RoutingReason['rule'], summary: string): RoutingReason => ({
  rule,
  ruleKey: rule === 'NO_RULE' ? null : 'fetch_user',
  ruleValue: rule === 'NO_RULE' ? null : 'canary,NO_DOMAIN',
  candidates: [],
  activeWorkerTimeoutMs: 10_000,
  summary,
});

const started: EventOf<'WorkflowStarted'> = {
  type: 'WorkflowStarted',
  data: { workflowId: 'wf-1', blueprint, input: { userId: 42 }, taskToDomain: canaryMap, correlationId: 'order-7', startTime: T0 },
};

function scheduled(
  taskId: string,
  taskIndex: number,
  at: number,
  fields: { inputData: Record<string, unknown>; domain: string | null; routing: RoutingReason; retryCount?: number; retriedTaskId?: string | null },
): EventOf<'TaskScheduled'> {
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
      inputData: fields.inputData,
      retryCount: fields.retryCount ?? 0,
      retriedTaskId: fields.retriedTaskId ?? null,
      domain: fields.domain,
      queueName: fields.domain === null ? task.taskType : `${task.taskType}@${fields.domain}`,
      routing: fields.routing,
      scheduledTime: at,
    },
  };
}

const defaultQueue = reason('NO_DOMAIN_FALLBACK', 'no canary: default queue');
const canary = reason('FIRST_ACTIVE', 'canary is alive');
const noRule = reason('NO_RULE', 'no rule for greet');

// A full run: the first task is held by an HTTP worker and times out (a TaskTimedOut of old, without
// `timeout`: a response timeout), its retry goes to a canary pool that came alive and completes;
// the second task fails once, then its retry completes.
const fullRun: WorkflowEvent[] = [
  started,
  scheduled('t1', 0, T0 + 1, { inputData: { id: 42 }, domain: null, routing: defaultQueue }),
  { type: 'TaskStarted', data: { taskId: 't1', workerId: 'http-1', startTime: T0 + 2, responseTimeoutAt: T0 + 30_002 } },
  { type: 'TaskTimedOut', data: { taskId: 't1', endTime: T0 + 30_002 } },
  scheduled('t1b', 0, T0 + 30_002, { inputData: { id: 42 }, domain: 'canary', routing: canary, retryCount: 1, retriedTaskId: 't1' }),
  { type: 'TaskCompleted', data: { taskId: 't1b', outputData: { name: 'Ada' }, workerId: 'amqp-canary-1', endTime: T0 + 30_100 } },
  scheduled('t2', 1, T0 + 30_100, { inputData: { name: 'Ada' }, domain: null, routing: noRule }),
  { type: 'TaskFailed', data: { taskId: 't2', outputData: { partial: true }, reasonForIncompletion: 'smtp down', terminal: false, workerId: 'amqp-1', endTime: T0 + 30_200 } },
  scheduled('t2b', 1, T0 + 30_200, { inputData: { name: 'Ada' }, domain: null, routing: noRule, retryCount: 1, retriedTaskId: 't2' }),
  { type: 'TaskCompleted', data: { taskId: 't2b', outputData: { text: 'Hello Ada' }, workerId: 'amqp-2', endTime: T0 + 30_300 } },
  { type: 'WorkflowCompleted', data: { output: { message: 'Hello Ada' }, endTime: T0 + 30_300 } },
];

/** A TaskRun as TaskScheduled leaves it, then changed by what followed. */
function taskRun(event: EventOf<'TaskScheduled'>, after: Partial<TaskRun>): TaskRun {
  const { workflowInstanceId: _workflow, workflowType: _type, ...task } = event.data;
  return {
    ...task,
    status: 'SCHEDULED',
    pollCount: 0,
    startTime: null,
    pollTimeoutAt: null,
    responseTimeoutAt: null,
    timeoutAt: null,
    timedOut: null,
    timeoutAlerted: false,
    outputData: {},
    reasonForIncompletion: null,
    workerId: null,
    endTime: null,
    ...after,
  };
}

const scheduledAt = (index: number) => fullRun[index] as EventOf<'TaskScheduled'>;

/** The run right after WorkflowStarted (a run of old: no timeoutAt), changed by what followed. */
const runOf = (after: Partial<WorkflowRun>): WorkflowRun => ({
  workflowId: 'wf-1',
  blueprint,
  input: { userId: 42 },
  taskToDomain: canaryMap,
  taskToDomainHistory: [],
  correlationId: 'order-7',
  startedBy: null,
  parent: null,
  startTime: T0,
  timeoutAt: null,
  timeoutAlerted: false,
  tasks: [],
  taskIdsBeforeRestart: [],
  variables: {},
  pendingRetries: [],
  ...after,
});

/** The run of a started state, or a failure naming the state it met. */
function runIn(state: WorkflowState, type: WorkflowState['type']): WorkflowRun {
  if (state.type !== type || state.type === 'Empty') throw new Error(`expected ${type}, got ${state.type}`);
  return state.run;
}

describe('evolve', () => {
  it('folds the events of a full run into the Completed state, with every attempt and its status, domain and output', () => {
    expect(foldEvents(fullRun)).toEqual({
      type: 'Completed',
      output: { message: 'Hello Ada' },
      endTime: T0 + 30_300,
      run: runOf({
        tasks: [
          taskRun(scheduledAt(1), {
            status: 'TIMED_OUT',
            pollCount: 1,
            workerId: 'http-1',
            startTime: T0 + 2,
            responseTimeoutAt: T0 + 30_002,
            endTime: T0 + 30_002,
            timedOut: 'RESPONSE',
            reasonForIncompletion: 'response timed out',
          }),
          taskRun(scheduledAt(4), { status: 'COMPLETED', outputData: { name: 'Ada' }, workerId: 'amqp-canary-1', endTime: T0 + 30_100 }),
          taskRun(scheduledAt(6), {
            status: 'FAILED',
            outputData: { partial: true },
            reasonForIncompletion: 'smtp down',
            workerId: 'amqp-1',
            endTime: T0 + 30_200,
          }),
          taskRun(scheduledAt(8), { status: 'COMPLETED', outputData: { text: 'Hello Ada' }, workerId: 'amqp-2', endTime: T0 + 30_300 }),
        ],
      }),
    });
  });

  it('keeps where each attempt was routed and why', () => {
    const state = foldEvents(fullRun);
    if (state.type !== 'Completed') throw new Error(`expected Completed, got ${state.type}`);
    expect(state.run.tasks.map((task) => [task.taskId, task.status, task.domain, task.queueName, task.routing.rule, task.retryCount, task.retriedTaskId])).toEqual([
      ['t1', 'TIMED_OUT', null, 'fetch_user', 'NO_DOMAIN_FALLBACK', 0, null],
      ['t1b', 'COMPLETED', 'canary', 'fetch_user@canary', 'FIRST_ACTIVE', 1, 't1'],
      ['t2', 'FAILED', null, 'greet', 'NO_RULE', 0, null],
      ['t2b', 'COMPLETED', null, 'greet', 'NO_RULE', 1, 't2'],
    ]);
  });

  it('is Empty before anything happened', () => {
    expect(foldEvents([])).toEqual({ type: 'Empty' });
    expect(initialState()).toEqual({ type: 'Empty' });
  });

  it('is Running with no task right after WorkflowStarted', () => {
    expect(foldEvents([started])).toEqual({ type: 'Running', run: runOf({}) });
  });

  it('stays Running while tasks are under way', () => {
    for (let n = 2; n < fullRun.length; n += 1) expect(foldEvents(fullRun.slice(0, n)).type).toBe('Running');
  });

  it('marks a task failed with a terminal error, and the run Failed with its reason', () => {
    const events: WorkflowEvent[] = [
      started,
      scheduled('t1', 0, T0 + 1, { inputData: { id: 42 }, domain: null, routing: defaultQueue }),
      { type: 'TaskFailed', data: { taskId: 't1', outputData: {}, reasonForIncompletion: 'no such user', terminal: true, workerId: 'w', endTime: T0 + 5 } },
      { type: 'WorkflowFailed', data: { reasonForIncompletion: 'task user failed with a terminal error: no such user', failedTaskId: 't1', endTime: T0 + 5 } },
    ];
    const state = foldEvents(events);
    expect(state).toMatchObject({ type: 'Failed', reasonForIncompletion: 'task user failed with a terminal error: no such user', endTime: T0 + 5 });
    expect(state.type !== 'Empty' && state.run.tasks).toEqual([
      expect.objectContaining({ taskId: 't1', status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: 'no such user', endTime: T0 + 5 }),
    ]);
  });

  it('counts every time an HTTP worker takes a task', () => {
    const first = scheduled('t1', 0, T0, { inputData: {}, domain: null, routing: defaultQueue });
    const take = (at: number): WorkflowEvent => ({ type: 'TaskStarted', data: { taskId: 't1', workerId: `w${at}`, startTime: at, responseTimeoutAt: at + 30_000 } });
    const state = foldEvents([started, first, take(T0 + 1), take(T0 + 2)]);
    expect(state.type !== 'Empty' && state.run.tasks[0]).toMatchObject({ status: 'IN_PROGRESS', pollCount: 2, workerId: `w${T0 + 2}`, startTime: T0 + 2 });
  });

  it('changes only the task the event names', () => {
    const state = foldEvents(fullRun.slice(0, 7));
    const after = evolve(state, { type: 'TaskCompleted', data: { taskId: 't2', outputData: { text: 'x' }, workerId: 'w', endTime: T0 + 9 } });
    if (state.type === 'Empty' || after.type === 'Empty') throw new Error('expected a run');
    expect(after.run.tasks.slice(0, 2)).toEqual(state.run.tasks.slice(0, 2));
    expect(after.run.tasks[2]).toMatchObject({ taskId: 't2', status: 'COMPLETED', outputData: { text: 'x' } });
  });

  it('does not change the state it is given', () => {
    const before = foldEvents(fullRun.slice(0, 5));
    const copy = structuredClone(before);
    foldEvents(fullRun.slice(5), before);
    expect(before).toEqual(copy);
  });

  it('folds in steps to the same state as in one go', () => {
    const halfway: WorkflowState = foldEvents(fullRun.slice(0, 6));
    expect(foldEvents(fullRun.slice(6), halfway)).toEqual(foldEvents(fullRun));
  });


  describe('deadlines', () => {
    it('keeps the run’s timeout and each attempt’s poll timeout as the events say them', () => {
      const timed: EventOf<'WorkflowStarted'> = { ...started, data: { ...started.data, timeoutAt: T0 + 600_000 } };
      const first = scheduled('t1', 0, T0, { inputData: {}, domain: null, routing: defaultQueue });
      const waiting: EventOf<'TaskScheduled'> = { ...first, data: { ...first.data, pollTimeoutAt: T0 + 30_000 } };
      const run = runIn(foldEvents([timed, waiting]), 'Running');
      expect(run.timeoutAt).toBe(T0 + 600_000);
      expect(run.tasks[0]).toMatchObject({ status: 'SCHEDULED', pollTimeoutAt: T0 + 30_000 });
    });

    it('holds a started task until its response timeout, and its task timeout from then on', () => {
      const first = scheduled('t1', 0, T0, { inputData: {}, domain: null, routing: defaultQueue });
      const taken: WorkflowEvent = { type: 'TaskStarted', data: { taskId: 't1', workerId: 'amqp-1', startTime: T0 + 1, responseTimeoutAt: T0 + 30_001, timeoutAt: T0 + 120_001 } };
      expect(runIn(foldEvents([started, first, taken]), 'Running').tasks[0]).toMatchObject({
        status: 'IN_PROGRESS',
        workerId: 'amqp-1',
        startTime: T0 + 1,
        responseTimeoutAt: T0 + 30_001,
        timeoutAt: T0 + 120_001,
      });
    });

    it('extends the hold of a task whose worker says it is still at it, and keeps what it reported', () => {
      const first = scheduled('t1', 0, T0, { inputData: {}, domain: null, routing: defaultQueue });
      const taken: WorkflowEvent = { type: 'TaskStarted', data: { taskId: 't1', workerId: 'amqp-1', startTime: T0, responseTimeoutAt: T0 + 30_000, timeoutAt: null } };
      const progressed: WorkflowEvent = {
        type: 'TaskProgressed',
        data: { taskId: 't1', workerId: 'amqp-1', outputData: { percent: 50 }, responseTimeoutAt: T0 + 100_000, at: T0 + 10_000 },
      };
      expect(runIn(foldEvents([started, first, taken, progressed]), 'Running').tasks[0]).toMatchObject({
        status: 'IN_PROGRESS',
        startTime: T0,
        pollCount: 1,
        responseTimeoutAt: T0 + 100_000,
        outputData: { percent: 50 },
      });
    });

    it.each(Object.entries(TIMEOUT_REASONS) as Array<[TaskTimeoutKind, string]>)('marks a %s timeout TIMED_OUT, saying which deadline it missed', (timeout, reasonText) => {
      const first = scheduled('t1', 0, T0, { inputData: {}, domain: null, routing: defaultQueue });
      const state = foldEvents([started, first, { type: 'TaskTimedOut', data: { taskId: 't1', endTime: T0 + 5, timeout } }]);
      expect(runIn(state, 'Running').tasks[0]).toMatchObject({ status: 'TIMED_OUT', timedOut: timeout, reasonForIncompletion: reasonText, endTime: T0 + 5 });
    });

    it('marks an alerted task as such and leaves it open', () => {
      const first = scheduled('t1', 0, T0, { inputData: {}, domain: null, routing: defaultQueue });
      const state = foldEvents([started, first, { type: 'TaskTimeoutAlerted', data: { taskId: 't1', at: T0 + 5 } }]);
      expect(runIn(state, 'Running').tasks[0]).toMatchObject({ status: 'SCHEDULED', timeoutAlerted: true, endTime: null });
    });

    it('marks an alerted run as such and keeps it Running', () => {
      expect(runIn(foldEvents([started, { type: 'WorkflowTimeoutAlerted', data: { at: T0 + 5 } }]), 'Running').timeoutAlerted).toBe(true);
    });
  });

  describe('retries', () => {
    const first = scheduled('t1', 0, T0, { inputData: { id: 42 }, domain: null, routing: defaultQueue });
    const failed: WorkflowEvent = { type: 'TaskFailed', data: { taskId: 't1', outputData: {}, reasonForIncompletion: 'boom', terminal: false, workerId: 'w', endTime: T0 + 1 } };
    const delayed: EventOf<'TaskRetryDelayed'> = { type: 'TaskRetryDelayed', data: { taskIndex: 0, retryCount: 1, retriedTaskId: 't1', dueAt: T0 + 60_001 } };

    it('keeps a retry waiting for its delay', () => {
      expect(runIn(foldEvents([started, first, failed, delayed]), 'Running').pendingRetries).toEqual([delayed.data]);
    });

    it('forgets the waiting retry once it is scheduled', () => {
      const retry = scheduled('t1b', 0, T0 + 60_001, { inputData: { id: 42 }, domain: null, routing: defaultQueue, retryCount: 1, retriedTaskId: 't1' });
      const run = runIn(foldEvents([started, first, failed, delayed, retry]), 'Running');
      expect(run.pendingRetries).toEqual([]);
      expect(run.tasks.map((task) => [task.taskId, task.status, task.retryCount])).toEqual([
        ['t1', 'FAILED', 0],
        ['t1b', 'SCHEDULED', 1],
      ]);
    });
  });

  describe('operator actions', () => {
    const first = scheduled('t1', 0, T0, { inputData: { id: 42 }, domain: null, routing: defaultQueue });
    const canceled: WorkflowEvent = { type: 'TaskCanceled', data: { taskId: 't1', reason: 'workflow terminated: wrong input', endTime: T0 + 9 } };

    it('marks a cancelled attempt CANCELED, with why', () => {
      expect(runIn(foldEvents([started, first, canceled]), 'Running').tasks[0]).toMatchObject({
        status: 'CANCELED',
        reasonForIncompletion: 'workflow terminated: wrong input',
        endTime: T0 + 9,
      });
    });

    it('is Terminated with the reason and the run as it stood', () => {
      const state = foldEvents([started, first, canceled, { type: 'WorkflowTerminated', data: { reasonForIncompletion: 'wrong input', endTime: T0 + 9 } }]);
      expect(state).toEqual({ type: 'Terminated', reasonForIncompletion: 'wrong input', endTime: T0 + 9, run: runIn(foldEvents([started, first, canceled]), 'Running') });
    });

    it('is TimedOut with the reason and the run as it stood', () => {
      const state = foldEvents([started, first, { type: 'WorkflowTimedOut', data: { reasonForIncompletion: 'workflow timed out after 600 seconds', endTime: T0 + 600_000 } }]);
      expect(state).toEqual({ type: 'TimedOut', reasonForIncompletion: 'workflow timed out after 600 seconds', endTime: T0 + 600_000, run: runIn(foldEvents([started, first]), 'Running') });
    });

    it('is Paused since when it was paused, its tasks going on; Running again once resumed', () => {
      const paused = foldEvents([started, first, { type: 'WorkflowPaused', data: { at: T0 + 3 } }]);
      expect(paused).toEqual({ type: 'Paused', pausedAt: T0 + 3, run: runIn(foldEvents([started, first]), 'Running') });
      const done = evolve(paused, { type: 'TaskCompleted', data: { taskId: 't1', outputData: { name: 'Ada' }, workerId: 'w', endTime: T0 + 4 } });
      expect(done).toMatchObject({ type: 'Paused', pausedAt: T0 + 3, run: { tasks: [{ taskId: 't1', status: 'COMPLETED' }] } });
      expect(evolve(done, { type: 'WorkflowResumed', data: { at: T0 + 5 } })).toEqual({ type: 'Running', run: runIn(done, 'Paused') });
    });

    it('is Running again after a retry, with every attempt kept, a new deadline and no alert or waiting retry left', () => {
      const failedRun: WorkflowEvent[] = [
        started,
        first,
        { type: 'TaskFailed', data: { taskId: 't1', outputData: {}, reasonForIncompletion: 'boom', terminal: true, workerId: 'w', endTime: T0 + 1 } },
        { type: 'WorkflowTimeoutAlerted', data: { at: T0 + 1 } },
        { type: 'WorkflowFailed', data: { reasonForIncompletion: 'task user failed with a terminal error: boom', failedTaskId: 't1', endTime: T0 + 1 } },
      ];
      const before = runIn(foldEvents(failedRun), 'Failed');
      const state = foldEvents([...failedRun, { type: 'WorkflowRetried', data: { at: T0 + 9, timeoutAt: T0 + 600_009 } }]);
      expect(state).toEqual({ type: 'Running', run: { ...before, timeoutAt: T0 + 600_009, timeoutAlerted: false, pendingRetries: [] } });
      expect(runIn(state, 'Running').tasks).toEqual(before.tasks);
    });

    it('starts over with no attempt after a restart, keeping the input, the map, the correlation id and the ids of the attempts before', () => {
      const restarted: WorkflowEvent = { type: 'WorkflowRestarted', data: { startTime: T0 + 99_000, timeoutAt: null } };
      const state = foldEvents([...fullRun, restarted]);
      expect(state).toEqual({ type: 'Running', run: runOf({ startTime: T0 + 99_000, taskIdsBeforeRestart: ['t1', 't1b', 't2', 't2b'] }) });
      const again = scheduled('t3', 0, T0 + 99_000, { inputData: { id: 42 }, domain: null, routing: defaultQueue });
      const twice = foldEvents([again, { type: 'TaskCanceled', data: { taskId: 't3', reason: 'x', endTime: T0 + 99_001 } }, { type: 'WorkflowTerminated', data: { reasonForIncompletion: 'x', endTime: T0 + 99_001 } }, restarted], state);
      expect(runIn(twice, 'Running').taskIdsBeforeRestart).toEqual(['t1', 't1b', 't2', 't2b', 't3']);
    });

    it('replaces the map, keeping every map it had before with when it was replaced, oldest first', () => {
      const stableMap: TaskToDomain = { fetch_user: { key: 'fetch_user', value: 'stable', domains: ['stable'], fallsBackToNoDomain: false } };
      const state = foldEvents([
        started,
        { type: 'TaskToDomainChanged', data: { taskToDomain: stableMap, at: T0 + 1 } },
        { type: 'TaskToDomainChanged', data: { taskToDomain: {}, at: T0 + 2 } },
      ]);
      const run = runIn(state, 'Running');
      expect(run.taskToDomain).toEqual({});
      expect(run.taskToDomainHistory).toEqual([
        { taskToDomain: canaryMap, replacedAt: T0 + 1 },
        { taskToDomain: stableMap, replacedAt: T0 + 2 },
      ]);
    });
  });

  // One event of every type: the compiler checks that no type is left out.
  const oneOfEachType: Record<Exclude<WorkflowEventType, 'WorkflowStarted'>, WorkflowEvent> = {
    TaskScheduled: scheduledAt(1),
    TaskRetryDelayed: { type: 'TaskRetryDelayed', data: { taskIndex: 0, retryCount: 1, retriedTaskId: 't1', dueAt: T0 } },
    TaskStarted: fullRun[2],
    TaskProgressed: { type: 'TaskProgressed', data: { taskId: 't1', workerId: 'w', outputData: {}, responseTimeoutAt: T0, at: T0 } },
    TaskTimedOut: fullRun[3],
    TaskTimeoutAlerted: { type: 'TaskTimeoutAlerted', data: { taskId: 't1', at: T0 } },
    TaskCanceled: { type: 'TaskCanceled', data: { taskId: 't1', reason: 'x', endTime: T0 } },
    TaskCompleted: fullRun[5],
    TaskFailed: fullRun[7],
    WorkflowCompleted: fullRun[10],
    WorkflowFailed: { type: 'WorkflowFailed', data: { reasonForIncompletion: 'x', failedTaskId: 't1', endTime: T0 } },
    WorkflowTimedOut: { type: 'WorkflowTimedOut', data: { reasonForIncompletion: 'x', endTime: T0 } },
    WorkflowTimeoutAlerted: { type: 'WorkflowTimeoutAlerted', data: { at: T0 } },
    WorkflowTerminated: { type: 'WorkflowTerminated', data: { reasonForIncompletion: 'x', endTime: T0 } },
    WorkflowPaused: { type: 'WorkflowPaused', data: { at: T0 } },
    WorkflowResumed: { type: 'WorkflowResumed', data: { at: T0 } },
    WorkflowRetried: { type: 'WorkflowRetried', data: { at: T0, timeoutAt: null } },
    WorkflowRestarted: { type: 'WorkflowRestarted', data: { startTime: T0, timeoutAt: null } },
    TaskToDomainChanged: { type: 'TaskToDomainChanged', data: { taskToDomain: {}, at: T0 } },
    TaskSkipped: { type: 'TaskSkipped', data: { taskId: 's1', taskType: 'greet', referenceTaskName: 'greeting', taskIndex: 1, inputData: {}, outputData: {}, at: T0 } },
    WorkflowRerun: { type: 'WorkflowRerun', data: { fromTaskId: null, workflowInput: null, at: T0, timeoutAt: null } },
  };
  it.each(Object.entries(oneOfEachType))('refuses %s before WorkflowStarted', (type, event) => {
    expect(event.type).toBe(type);
    expect(() => evolve({ type: 'Empty' }, event)).toThrow(`${type} before WorkflowStarted`);
  });
});
