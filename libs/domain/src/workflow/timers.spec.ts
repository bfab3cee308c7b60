import type { RoutingReason } from '../routing/resolve-domain';
import type { WorkflowBlueprint } from './definition';
import type { EventOf, WorkflowEvent, WorkflowEventType } from './events';
import { TIMER_KINDS, type WorkflowTimer, timersOf } from './timers';

const T0 = 1_700_000_000_000;

const blueprint: WorkflowBlueprint = {
  name: 'greeting',
  version: 1,
  tasks: [{ taskType: 'fetch_user', referenceTaskName: 'user', inputParameters: {}, retryCount: 1, responseTimeoutSeconds: 30 }],
  outputParameters: null,
};

const routing: RoutingReason = { rule: 'NO_RULE', ruleKey: null, ruleValue: null, candidates: [], activeWorkerTimeoutMs: 10_000, summary: 'default queue' };

const scheduled = (pollTimeoutAt?: number | null): EventOf<'TaskScheduled'> => ({
  type: 'TaskScheduled',
  data: {
    taskId: 't1',
    workflowInstanceId: 'wf-1',
    workflowType: 'greeting',
    taskType: 'fetch_user',
    referenceTaskName: 'user',
    taskIndex: 0,
    inputData: {},
    retryCount: 0,
    retriedTaskId: null,
    domain: null,
    queueName: 'fetch_user',
    routing,
    scheduledTime: T0,
    ...(pollTimeoutAt === undefined ? {} : { pollTimeoutAt }),
  },
});

const workflowStarted = (timeoutAt?: number | null): EventOf<'WorkflowStarted'> => ({
  type: 'WorkflowStarted',
  data: { workflowId: 'wf-1', blueprint, input: {}, taskToDomain: {}, correlationId: null, startTime: T0, ...(timeoutAt === undefined ? {} : { timeoutAt }) },
});

const timer = (kind: WorkflowTimer['kind'], taskId: string | null, dueAt: number): WorkflowTimer => ({ workflowId: 'wf-1', kind, taskId, dueAt });

// One event of every type and the timers it sets: the compiler checks that no type is left out.
const timersOfEachEvent: Record<WorkflowEventType, [WorkflowEvent, WorkflowTimer[]]> = {
  WorkflowStarted: [workflowStarted(T0 + 600_000), [timer('WORKFLOW_TIMEOUT', null, T0 + 600_000)]],
  TaskScheduled: [scheduled(T0 + 30_000), [timer('POLL_TIMEOUT', 't1', T0 + 30_000)]],
  TaskRetryDelayed: [
    { type: 'TaskRetryDelayed', data: { taskIndex: 0, retryCount: 1, retriedTaskId: 't1', dueAt: T0 + 60_000 } },
    [timer('RETRY', 't1', T0 + 60_000)],
  ],
  TaskStarted: [
    { type: 'TaskStarted', data: { taskId: 't1', workerId: 'w', startTime: T0, responseTimeoutAt: T0 + 30_000, timeoutAt: T0 + 120_000 } },
    [timer('RESPONSE_TIMEOUT', 't1', T0 + 30_000), timer('TASK_TIMEOUT', 't1', T0 + 120_000)],
  ],
  TaskProgressed: [
    { type: 'TaskProgressed', data: { taskId: 't1', workerId: 'w', outputData: {}, responseTimeoutAt: T0 + 90_000, at: T0 } },
    [timer('RESPONSE_TIMEOUT', 't1', T0 + 90_000)],
  ],
  TaskTimedOut: [{ type: 'TaskTimedOut', data: { taskId: 't1', endTime: T0, timeout: 'POLL' } }, []],
  TaskTimeoutAlerted: [{ type: 'TaskTimeoutAlerted', data: { taskId: 't1', at: T0 } }, []],
  TaskCanceled: [{ type: 'TaskCanceled', data: { taskId: 't1', reason: 'terminated', endTime: T0 } }, []],
  TaskCompleted: [{ type: 'TaskCompleted', data: { taskId: 't1', outputData: {}, workerId: 'w', endTime: T0 } }, []],
  TaskFailed: [{ type: 'TaskFailed', data: { taskId: 't1', outputData: {}, reasonForIncompletion: 'boom', terminal: false, workerId: 'w', endTime: T0 } }, []],
  WorkflowCompleted: [{ type: 'WorkflowCompleted', data: { output: {}, endTime: T0 } }, []],
  WorkflowFailed: [{ type: 'WorkflowFailed', data: { reasonForIncompletion: 'boom', failedTaskId: 't1', endTime: T0 } }, []],
  WorkflowTimedOut: [{ type: 'WorkflowTimedOut', data: { reasonForIncompletion: 'late', endTime: T0 } }, []],
  WorkflowTimeoutAlerted: [{ type: 'WorkflowTimeoutAlerted', data: { at: T0 } }, []],
  WorkflowTerminated: [{ type: 'WorkflowTerminated', data: { reasonForIncompletion: 'stop', endTime: T0 } }, []],
  WorkflowPaused: [{ type: 'WorkflowPaused', data: { at: T0 } }, []],
  WorkflowResumed: [{ type: 'WorkflowResumed', data: { at: T0 } }, []],
  WorkflowRetried: [{ type: 'WorkflowRetried', data: { at: T0, timeoutAt: T0 + 600_000 } }, [timer('WORKFLOW_TIMEOUT', null, T0 + 600_000)]],
  WorkflowRestarted: [{ type: 'WorkflowRestarted', data: { startTime: T0, timeoutAt: T0 + 600_000 } }, [timer('WORKFLOW_TIMEOUT', null, T0 + 600_000)]],
  TaskToDomainChanged: [{ type: 'TaskToDomainChanged', data: { taskToDomain: {}, at: T0 } }, []],
  TaskSkipped: [{ type: 'TaskSkipped', data: { taskId: 's1', taskType: 'greet', referenceTaskName: 'greeting', taskIndex: 1, inputData: {}, outputData: {}, at: T0 } }, []],
  WorkflowRerun: [{ type: 'WorkflowRerun', data: { fromTaskId: null, workflowInput: null, at: T0, timeoutAt: T0 + 600_000 } }, [timer('WORKFLOW_TIMEOUT', null, T0 + 600_000)]],
};

describe('timersOf', () => {
  it.each(Object.entries(timersOfEachEvent))('%s sets the timers it names', (_type, [event, timers]) => {
    expect(timersOf('wf-1', event)).toEqual(timers);
  });

  it('sets no deadline that an event leaves out or makes null (no limit, or a run of old)', () => {
    expect(timersOf('wf-1', workflowStarted())).toEqual([]);
    expect(timersOf('wf-1', workflowStarted(null))).toEqual([]);
    expect(timersOf('wf-1', scheduled())).toEqual([]);
    expect(timersOf('wf-1', scheduled(null))).toEqual([]);
    expect(timersOf('wf-1', { type: 'TaskStarted', data: { taskId: 't1', workerId: null, startTime: T0, responseTimeoutAt: T0 + 30_000 } })).toEqual([
      timer('RESPONSE_TIMEOUT', 't1', T0 + 30_000),
    ]);
    expect(timersOf('wf-1', { type: 'WorkflowRetried', data: { at: T0, timeoutAt: null } })).toEqual([]);
    expect(timersOf('wf-1', { type: 'WorkflowRestarted', data: { startTime: T0, timeoutAt: null } })).toEqual([]);
  });

  it('names the run the timers belong to', () => {
    expect(timersOf('wf-9', scheduled(T0 + 1))).toEqual([{ workflowId: 'wf-9', kind: 'POLL_TIMEOUT', taskId: 't1', dueAt: T0 + 1 }]);
  });

  it("sets a WAIT task's timer from its waitUntil", () => {
    const waiting: EventOf<'TaskScheduled'> = { type: 'TaskScheduled', data: { ...scheduled().data, kind: 'WAIT', domain: null, queueName: '', waitUntil: T0 + 5_000 } };
    expect(timersOf('wf-1', waiting)).toEqual([timer('WAIT', 't1', T0 + 5_000)]);
  });

  it('sets every kind of timer from some event', () => {
    const waiting: WorkflowEvent = { type: 'TaskScheduled', data: { ...scheduled().data, kind: 'WAIT', waitUntil: T0 + 5_000 } };
    const events = [...Object.values(timersOfEachEvent).map(([event]) => event), waiting];
    const kinds = new Set(events.flatMap((event) => timersOf('wf-1', event).map((each) => each.kind)));
    expect([...kinds].sort()).toEqual([...TIMER_KINDS].sort());
  });
});
