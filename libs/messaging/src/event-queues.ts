import type { ChannelModel } from 'amqplib';
import { QUORUM_QUEUE_OPTIONS } from './topology';

/**
 * Makes sure an event handler's queue exists: one already there is used as
 * it is (a publisher may have declared it with arguments of its own, which a
 * declare with others would fail on); a missing one is declared durable, a
 * quorum queue like Turnout's own. Its own channels: a passive declare of a
 * missing queue closes the channel it was made on.
 */
export async function ensureEventQueue(connection: ChannelModel, queue: string): Promise<void> {
  const probe = await connection.createChannel();
  probe.on('error', () => undefined);
  try {
    await probe.checkQueue(queue);
    await probe.close().catch(() => undefined);
    return;
  } catch {
    // Missing (404): the broker closed the probe's channel; declare it on another.
  }
  const declare = await connection.createChannel();
  try {
    await declare.assertQueue(queue, QUORUM_QUEUE_OPTIONS);
  } finally {
    await declare.close().catch(() => undefined);
  }
}
