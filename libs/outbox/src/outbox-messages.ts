import type { Options } from 'amqplib';
import { type EventOf, TIMEOUT_REASONS, workflowIdOfStream } from '@turnout/domain';
import type { StoredEvent } from '@turnout/event-store';
import {
  EVENTS_EXCHANGE,
  HTTP_TASKS_QUEUE,
  type HttpTaskMessage,
  httpTaskMessageProperties,
  PUBLISHED_EVENT_TYPES,
  TASKS_SUPERSEDED_EXCHANGE,
  type TaskSuperseded,
  taskMessageOf,
  taskMessageProperties,
  taskSupersededProperties,
} from '@turnout/messaging';
import { traceMetadataOf } from '@turnout/tracing';
import { workflowEventOf } from '@turnout/workflow-runs';

/** One AMQP message the relay publishes for an event. */
export interface OutgoingMessage {
  exchange: string;
  routingKey: string;
  content: Buffer;
  options: Options.Publish;
  /** A task queue to declare (once) before the first publish to it. */
  assertQueue?: string;
  /** The task's scheduling span (its TaskScheduled's metadata): the parent of the publish's span, with tracing on. */
  traceparent?: string;
}

/** The wire form of an event on EVENTS_EXCHANGE. */
export interface PublishedEvent {
  streamId: string;
  streamVersion: number;
  globalPosition: string;
  type: string;
  data: unknown;
}

/**
 * What the relay publishes for a committed event: a lifecycle event on the
 * events exchange, for TaskScheduled of a SIMPLE task the task message in its queue (of an
 * HTTP task, the attempt in the routers' HTTP_TASKS_QUEUE), and for
 * TaskCanceled and TaskTimedOut a TaskSuperseded signal, so that workers skip
 * the attempt's message. In commit order, the signal leaves before the task
 * message of any attempt that replaces it.
 *
 * Task and HTTP attempt messages are work, published `mandatory`: RabbitMQ
 * confirms a message that reached no queue as readily as one a queue took, and
 * drops it; a mandatory one comes back first (basic.return), and the relay
 * publishes it again. Lifecycle events and signals may rightly reach no queue
 * (no handler bound, no router yet) and are not.
 */
export function outboxMessagesOf(event: StoredEvent): OutgoingMessage[] {
  const messages: OutgoingMessage[] = [];
  const workflowEvent = workflowEventOf(event);
  if (PUBLISHED_EVENT_TYPES.has(workflowEvent.type)) messages.push(publishedEventMessage(event));
  // A system task (a fork, a join, a child run) is Turnout's own: it is never in a queue.
  if (workflowEvent.type === 'TaskScheduled' && workflowEvent.data.kind === undefined) {
    const task = taskMessageOf(workflowEvent.data);
    const traceparent = traceMetadataOf(event.metadata);
    messages.push({
      exchange: '',
      routingKey: workflowEvent.data.queueName,
      content: Buffer.from(JSON.stringify(task)),
      options: { ...taskMessageProperties(task), mandatory: true },
      assertQueue: workflowEvent.data.queueName,
      ...(traceparent === undefined ? {} : { traceparent }),
    });
  }
  if (workflowEvent.type === 'TaskScheduled' && workflowEvent.data.kind === 'HTTP' && workflowEvent.data.http !== undefined) {
    messages.push(httpTaskMessage({ workflowInstanceId: workflowEvent.data.workflowInstanceId, taskId: workflowEvent.data.taskId }));
  }
  if (workflowEvent.type === 'TaskCanceled' || workflowEvent.type === 'TaskTimedOut') messages.push(supersededMessage(event.streamId, workflowEvent));
  return messages;
}

/** An HTTP attempt goes to the routers' queue (declared by the relay when it opens its channel, so not recorded as a task queue). */
function httpTaskMessage(message: HttpTaskMessage): OutgoingMessage {
  return {
    exchange: '',
    routingKey: HTTP_TASKS_QUEUE,
    content: Buffer.from(JSON.stringify(message)),
    options: { ...httpTaskMessageProperties(message), mandatory: true },
  };
}

function supersededMessage(streamId: string, event: EventOf<'TaskCanceled'> | EventOf<'TaskTimedOut'>): OutgoingMessage {
  const signal: TaskSuperseded = {
    taskId: event.data.taskId,
    workflowInstanceId: workflowIdOfStream(streamId) ?? streamId,
    // Worded as the task's reasonForIncompletion; a timeout without its kind is from a run of old (a response timeout).
    reason: event.type === 'TaskCanceled' ? event.data.reason : TIMEOUT_REASONS[event.data.timeout ?? 'RESPONSE'],
  };
  return {
    exchange: TASKS_SUPERSEDED_EXCHANGE,
    routingKey: '',
    content: Buffer.from(JSON.stringify(signal)),
    options: taskSupersededProperties(signal, event.data.endTime),
  };
}

function publishedEventMessage(event: StoredEvent): OutgoingMessage {
  const published: PublishedEvent = {
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    globalPosition: event.globalPosition,
    type: event.type,
    data: event.data,
  };
  return {
    exchange: EVENTS_EXCHANGE,
    routingKey: event.type,
    content: Buffer.from(JSON.stringify(published)),
    options: {
      messageId: `${event.streamId}:${event.streamVersion}`,
      type: event.type,
      contentType: 'application/json',
      persistent: true,
    },
  };
}
