/** Looks at task queues on the broker, takes what is in them, and removes the ones a test made. */
import * as amqp from 'amqplib';
import { assertTaskQueue } from '@turnout/messaging';
import { waitFor } from './wait-for';

export interface BrokerQueues {
  /** Messages ready for delivery (not those held unacknowledged by a consumer). */
  readyCount(queue: string): Promise<number>;
  /** Deletes these queues if they exist; tests call it last, with their unique names. */
  deleteQueues(queues: Iterable<string>): Promise<void>;
  close(): Promise<void>;
}

export async function connectBrokerQueues(amqpUrl: string): Promise<BrokerQueues> {
  const connection = await amqp.connect(amqpUrl);
  connection.on('error', () => undefined);
  // A passive declare of a missing queue closes its channel: one channel per question.
  const withChannel = async <T>(use: (channel: amqp.Channel) => Promise<T>): Promise<T> => {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    try {
      return await use(channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  };
  return {
    readyCount: (queue) => withChannel(async (channel) => (await channel.checkQueue(queue)).messageCount),
    async deleteQueues(queues) {
      for (const queue of queues) await withChannel((channel) => channel.deleteQueue(queue)).catch(() => undefined);
    },
    close: () => connection.close().catch(() => undefined),
  };
}

/**
 * Takes one task message from `queueName` (declared as every party declares it, on `channel`) and answers
 * its body. Each try is on a connection of its own: RabbitMQ 3.10 may close the connection (541 noproc) on
 * a basic.get that comes as a quorum queue is being created.
 */
export async function takeTaskMessage(amqpUrl: string, channel: amqp.Channel, queueName: string): Promise<any> {
  await assertTaskQueue(channel, queueName);
  const message = await waitFor(`a task in ${queueName}`, async () => {
    const taker = await amqp.connect(amqpUrl);
    taker.on('error', () => undefined);
    try {
      const takerChannel = await taker.createChannel();
      return await takerChannel.get(queueName, { noAck: true });
    } finally {
      await taker.close().catch(() => undefined);
    }
  });
  return JSON.parse(message.content.toString());
}

/** The dead letter with this message id, from `queue` (a test's own queue bound to the dead-letter exchange). */
export function deadLetterWithId(channel: amqp.Channel, queue: string, messageId: string): Promise<amqp.GetMessage> {
  return waitFor(`dead letter ${messageId}`, async () => {
    const message = await channel.get(queue, { noAck: true });
    return message !== false && message.properties.messageId === messageId ? message : undefined;
  });
}
