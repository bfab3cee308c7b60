/** Looks at task queues on the broker and removes the ones a test made. */
import * as amqp from 'amqplib';

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
