import type { Options } from 'amqplib';
import type { StoredEvent } from '@turnout/event-store';
import { EVENTS_EXCHANGE, PUBLISHED_EVENT_TYPES, taskMessageOf, taskMessageProperties } from '@turnout/messaging';
import { workflowEventOf } from '@turnout/workflow-runs';

/** One AMQP message the relay publishes for an event. */
export interface OutgoingMessage {
  exchange: string;
  routingKey: string;
  content: Buffer;
  options: Options.Publish;
  /** A task queue to declare (once) before the first publish to it. */
  assertQueue?: string;
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
 * events exchange, and for TaskScheduled the task message in its queue.
 */
export function outboxMessagesOf(event: StoredEvent): OutgoingMessage[] {
  const messages: OutgoingMessage[] = [];
  const workflowEvent = workflowEventOf(event);
  if (PUBLISHED_EVENT_TYPES.has(workflowEvent.type)) messages.push(publishedEventMessage(event));
  if (workflowEvent.type === 'TaskScheduled') {
    const task = taskMessageOf(workflowEvent.data);
    messages.push({
      exchange: '',
      routingKey: workflowEvent.data.queueName,
      content: Buffer.from(JSON.stringify(task)),
      options: taskMessageProperties(task),
      assertQueue: workflowEvent.data.queueName,
    });
  }
  return messages;
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
