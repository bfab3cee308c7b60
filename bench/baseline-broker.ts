/**
 * The physical limit Turnout stands beside: raw amqplib, persistent publishes
 * with publisher confirms into a durable queue declared as task queues are,
 * consumed with acks, on this machine, over a connection opened as Turnout's are.
 */
import { QUORUM_QUEUE_OPTIONS, connectToBroker } from '@turnout/messaging';

export async function measureBrokerBaseline(amqpUrl: string, messages: number): Promise<{ msgsPerSec: number }> {
  const connection = await connectToBroker(amqpUrl, { connectionName: 'bench baseline' });
  const publisher = await connection.createConfirmChannel();
  const consumer = await connection.createChannel();
  const queue = 'bench.baseline';
  await publisher.assertQueue(queue, QUORUM_QUEUE_OPTIONS);
  await publisher.purgeQueue(queue);
  await consumer.prefetch(200);
  const body = Buffer.from(JSON.stringify({ taskId: 'x'.repeat(36), inputData: { hello: 'world' } }));

  let received = 0;
  const allReceived = new Promise<void>((resolve) => {
    void consumer.consume(queue, (message) => {
      if (message === null) return;
      consumer.ack(message);
      received += 1;
      if (received === messages) resolve();
    });
  });
  const started = process.hrtime.bigint();
  const window = 500;
  for (let sent = 0; sent < messages; ) {
    const batch = Math.min(window, messages - sent);
    for (let i = 0; i < batch; i += 1) {
      if (!publisher.publish('', queue, body, { persistent: true, contentType: 'application/json' })) {
        await new Promise((resolve) => publisher.once('drain', resolve));
      }
    }
    await publisher.waitForConfirms();
    sent += batch;
  }
  await allReceived;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await publisher.deleteQueue(queue);
  await connection.close();
  return { msgsPerSec: messages / seconds };
}
