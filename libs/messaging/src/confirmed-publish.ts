import type { ConfirmChannel, Options } from 'amqplib';

/**
 * Publishes to `exchange` (routing key '' unless given) and settles when the
 * broker confirms it. A channel that is already closed makes amqplib throw at
 * once: that rejects too, and so does a channel that closes before the confirm.
 */
export function publishConfirmed(channel: ConfirmChannel, exchange: string, content: Buffer, options: Options.Publish, routingKey = ''): Promise<void> {
  return Promise.race([
    new Promise<void>((resolve, reject) => {
      channel.publish(exchange, routingKey, content, options, (error) => (error ? reject(error) : resolve()));
    }),
    untilClosed(channel),
  ]);
}

/**
 * Every confirm still awaited on `channel` (waitForConfirms), settled when the
 * broker confirms them, rejected when one is nacked or the channel closes first.
 * Only those still awaited: a nack that came before the call is not seen here,
 * and the publisher must hear of it through the publish's own callback.
 */
export function allConfirmed(channel: ConfirmChannel): Promise<void> {
  return Promise.race([channel.waitForConfirms().then(() => undefined), untilClosed(channel)]);
}

const closings = new WeakMap<ConfirmChannel, Promise<never>>();

/**
 * Rejects once the channel closes. amqplib fails the confirms it awaits when
 * its channel closes only up to the first one already settled out of order:
 * the broker confirms each queue's messages as that queue commits them, so
 * with several quorum queues confirms come out of order, and when a node was
 * lost with its connections the callbacks past that gap were never called
 * (measured on a three-node cluster: the relay waited on its confirms for ever).
 * One listener per channel, however many publishes await.
 */
function untilClosed(channel: ConfirmChannel): Promise<never> {
  let closing = closings.get(channel);
  if (closing === undefined) {
    closing = new Promise<never>((_resolve, reject) => channel.once('close', () => reject(new Error('channel closed before the broker confirmed'))));
    // Nobody need be waiting when the channel closes.
    closing.catch(() => undefined);
    closings.set(channel, closing);
  }
  return closing;
}
