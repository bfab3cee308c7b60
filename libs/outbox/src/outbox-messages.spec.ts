import type { EventOf, WorkflowEvent } from '@turnout/domain';
import type { StoredEvent } from '@turnout/event-store';
import { EVENTS_EXCHANGE, HTTP_TASKS_QUEUE, TASKS_SUPERSEDED_EXCHANGE, parseHttpTaskMessage, parseTaskMessage, parseTaskSuperseded } from '@turnout/messaging';
import { outboxMessagesOf } from './outbox-messages';

let version = 0;
const stored = (event: WorkflowEvent): StoredEvent => {
  version += 1;
  return {
    streamId: 'workflow-w1',
    streamVersion: version,
    globalPosition: String(version),
    transactionId: '1',
    type: event.type,
    data: event.data,
    metadata: null,
    createdAt: new Date(0),
  };
};

const scheduled: EventOf<'TaskScheduled'> = {
  type: 'TaskScheduled',
  data: {
    taskId: 't1',
    workflowInstanceId: 'w1',
    workflowType: 'flow',
    taskType: 'hello',
    referenceTaskName: 'hello_ref',
    taskIndex: 0,
    inputData: { name: 'Doug' },
    retryCount: 0,
    retriedTaskId: null,
    domain: 'doug',
    queueName: 'hello@doug',
    routing: { rule: 'LAST_INACTIVE', ruleKey: 'hello', ruleValue: 'doug', candidates: [], activeWorkerTimeoutMs: 10_000, summary: 'the map says doug' },
    scheduledTime: 1_000,
  },
};

describe('outboxMessagesOf: what the relay publishes for an event', () => {
  it('publishes a scheduled task to its queue, declared before the first publish', () => {
    const [message] = outboxMessagesOf(stored(scheduled));
    expect(message).toMatchObject({ exchange: '', routingKey: 'hello@doug', assertQueue: 'hello@doug', options: { messageId: 't1', correlationId: 'w1' } });
    expect(parseTaskMessage(message.content)).toMatchObject({ ok: true, value: { taskId: 't1', domain: 'doug', inputData: { name: 'Doug' } } });
  });

  it('puts no system task (a fork, a join, a child run) in a queue', () => {
    for (const kind of ['FORK_JOIN', 'JOIN', 'SWITCH', 'SUB_WORKFLOW'] as const) {
      const system: WorkflowEvent = { type: 'TaskScheduled', data: { ...scheduled.data, domain: null, queueName: '', kind } };
      expect(outboxMessagesOf(stored(system)).filter((message) => message.exchange === '')).toEqual([]);
    }
  });

  it("puts an HTTP attempt in the routers' queue, ids only (the router reads the call from the run), declaring no task queue", () => {
    const http = { uri: 'http://a.example/', method: 'GET' as const, headers: {}, contentType: 'application/json', accept: 'application/json', connectionTimeOut: null, readTimeOut: null };
    const messages = outboxMessagesOf(stored({ type: 'TaskScheduled', data: { ...scheduled.data, domain: null, queueName: '', kind: 'HTTP', taskType: 'HTTP', http } }));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ exchange: '', routingKey: HTTP_TASKS_QUEUE, options: { messageId: 't1', correlationId: 'w1', persistent: true } });
    expect(messages[0].assertQueue).toBeUndefined();
    expect(parseHttpTaskMessage(messages[0].content)).toEqual({ ok: true, value: { workflowInstanceId: 'w1', taskId: 't1' } });
  });

  it('signals a cancelled or timed-out attempt on the superseded exchange, saying why', () => {
    const canceled = outboxMessagesOf(stored({ type: 'TaskCanceled', data: { taskId: 't1', reason: 'rerouted: the run got a new taskToDomain', endTime: 5_000 } }));
    const timedOut = outboxMessagesOf(stored({ type: 'TaskTimedOut', data: { taskId: 't2', endTime: 6_000, timeout: 'POLL' } }));
    const ofOld = outboxMessagesOf(stored({ type: 'TaskTimedOut', data: { taskId: 't3', endTime: 7_000 } }));
    expect([...canceled, ...timedOut, ...ofOld].map((message) => [message.exchange, message.routingKey, message.options.type, message.options.timestamp])).toEqual([
      [TASKS_SUPERSEDED_EXCHANGE, '', 'TaskSuperseded', 5],
      [TASKS_SUPERSEDED_EXCHANGE, '', 'TaskSuperseded', 6],
      [TASKS_SUPERSEDED_EXCHANGE, '', 'TaskSuperseded', 7],
    ]);
    expect([...canceled, ...timedOut, ...ofOld].map((message) => parseTaskSuperseded(message.content))).toEqual([
      { ok: true, value: { taskId: 't1', workflowInstanceId: 'w1', reason: 'rerouted: the run got a new taskToDomain' } },
      { ok: true, value: { taskId: 't2', workflowInstanceId: 'w1', reason: 'not taken by a worker within pollTimeoutSeconds' } },
      { ok: true, value: { taskId: 't3', workflowInstanceId: 'w1', reason: 'response timed out' } },
    ]);
  });

  it('publishes lifecycle events on the events exchange, and nothing for the other task events', () => {
    const completed = outboxMessagesOf(stored({ type: 'WorkflowCompleted', data: { output: {}, endTime: 8_000 } }));
    expect(completed.map((message) => [message.exchange, message.routingKey])).toEqual([[EVENTS_EXCHANGE, 'WorkflowCompleted']]);
    expect(outboxMessagesOf(stored({ type: 'TaskCompleted', data: { taskId: 't1', outputData: {}, workerId: 'w', endTime: 8_000 } }))).toEqual([]);
    expect(
      outboxMessagesOf(stored({ type: 'TaskStarted', data: { taskId: 't1', workerId: 'w', startTime: 1, responseTimeoutAt: 2 } })),
    ).toEqual([]);
  });
});
