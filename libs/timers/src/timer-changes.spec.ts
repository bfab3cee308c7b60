import type { WorkflowEvent } from '@turnout/domain';
import { type RunEvent, timerChangesOf } from './timer-changes';

const started = (taskId: string, responseTimeoutAt: number): WorkflowEvent => ({
  type: 'TaskStarted',
  data: { taskId, workerId: 'w', startTime: 1, responseTimeoutAt, timeoutAt: null },
});
const failed = (taskId: string): WorkflowEvent => ({
  type: 'TaskFailed',
  data: { taskId, outputData: {}, reasonForIncompletion: 'boom', terminal: false, workerId: 'w', endTime: 2 },
});
const retryDelayed = (retriedTaskId: string, dueAt: number): WorkflowEvent => ({ type: 'TaskRetryDelayed', data: { taskIndex: 0, retryCount: 1, retriedTaskId, dueAt } });
const of = (workflowId: string, ...events: WorkflowEvent[]): RunEvent[] => events.map((event) => ({ workflowId, event }));

describe('timerChangesOf', () => {
  it('sets the timers each event sets, in log order', () => {
    const progressed: WorkflowEvent = { type: 'TaskProgressed', data: { taskId: 't1', workerId: 'w', outputData: {}, responseTimeoutAt: 200, at: 5 } };
    expect(timerChangesOf(of('wf', started('t1', 100), progressed))).toEqual({
      set: [
        { workflowId: 'wf', kind: 'RESPONSE_TIMEOUT', taskId: 't1', dueAt: 100 },
        { workflowId: 'wf', kind: 'RESPONSE_TIMEOUT', taskId: 't1', dueAt: 200 },
      ],
      ended: [],
    });
  });

  it("ends an attempt's deadlines when it ends, within the page and in the table, but keeps the retry set after it", () => {
    const page = [...of('wf', started('t1', 100)), ...of('other', started('t1', 100)), ...of('wf', failed('t1'), retryDelayed('t1', 300))];
    expect(timerChangesOf(page)).toEqual({
      set: [
        { workflowId: 'other', kind: 'RESPONSE_TIMEOUT', taskId: 't1', dueAt: 100 },
        { workflowId: 'wf', kind: 'RETRY', taskId: 't1', dueAt: 300 },
      ],
      ended: [{ workflowId: 'wf', taskId: 't1' }],
    });
  });

  it('ends all of a run’s timers when it ends, and keeps those a restart sets afterwards', () => {
    const page = of(
      'wf',
      failed('t1'),
      retryDelayed('t1', 300),
      { type: 'WorkflowTerminated', data: { reasonForIncompletion: 'enough', endTime: 3 } },
      { type: 'WorkflowRestarted', data: { startTime: 4, timeoutAt: 900 } },
    );
    expect(timerChangesOf(page)).toEqual({
      set: [{ workflowId: 'wf', kind: 'WORKFLOW_TIMEOUT', taskId: null, dueAt: 900 }],
      ended: [
        { workflowId: 'wf', taskId: 't1' },
        { workflowId: 'wf', taskId: null },
      ],
    });
  });
});
