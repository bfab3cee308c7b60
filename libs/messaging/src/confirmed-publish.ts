import type { ConfirmChannel, Options } from 'amqplib';

/**
 * Publishes to `exchange` (routing key '' unless given) and settles when the
 * broker confirms it. A channel that is already closed makes amqplib throw at
 * once: that rejects too.
 */
export function publishConfirmed(channel: ConfirmChannel, exchange: string, content: Buffer, options: Options.Publish, routingKey = ''): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.publish(exchange, routingKey, content, options, (error) => (error ? reject(error) : resolve()));
  });
}
