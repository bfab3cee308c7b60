import type { RoutingReason } from '../routing/resolve-domain';
import type { TaskToDomain } from '../routing/task-to-domain';
import type { WorkflowBlueprint } from './definition';
import type { EventOf, WorkflowEvent } from './events';
import { evolve, foldEvents } from './evolve';
import { type TaskRun, type WorkflowState, initialState } from './state';

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

// A full run: the first task is held by an HTTP worker and times out, its retry goes to a canary
// pool that came alive and completes; the second task fails once, then its retry completes.
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
    responseTimeoutAt: null,
    outputData: {},
    reasonForIncompletion: null,
    workerId: null,
    endTime: null,
    ...after,
  };
}

const scheduledAt = (index: number) => fullRun[index] as EventOf<'TaskScheduled'>;

describe('evolve', () => {
  it('folds the events of a full run into the Completed state, with every attempt and its status, domain and output', () => {
    expect(foldEvents(fullRun)).toEqual({
      type: 'Completed',
      output: { message: 'Hello Ada' },
      endTime: T0 + 30_300,
      run: {
        workflowId: 'wf-1',
        blueprint,
        input: { userId: 42 },
        taskToDomain: canaryMap,
        correlationId: 'order-7',
        startTime: T0,
        tasks: [
          taskRun(scheduledAt(1), {
            status: 'TIMED_OUT',
            pollCount: 1,
            workerId: 'http-1',
            startTime: T0 + 2,
            responseTimeoutAt: T0 + 30_002,
            endTime: T0 + 30_002,
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
      },
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
    expect(foldEvents([started])).toEqual({
      type: 'Running',
      run: { workflowId: 'wf-1', blueprint, input: { userId: 42 }, taskToDomain: canaryMap, correlationId: 'order-7', startTime: T0, tasks: [] },
    });
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

  const workflowFailed: WorkflowEvent = { type: 'WorkflowFailed', data: { reasonForIncompletion: 'x', failedTaskId: 't1', endTime: T0 } };
  const oneOfEachKind = [...new Map([...fullRun, workflowFailed].filter((event) => event.type !== 'WorkflowStarted').map((event) => [event.type, event])).entries()];
  it.each(oneOfEachKind)(
    'refuses %s before WorkflowStarted',
    (type, event) => {
      expect(() => evolve({ type: 'Empty' }, event)).toThrow(`${type} before WorkflowStarted`);
    },
  );
});
