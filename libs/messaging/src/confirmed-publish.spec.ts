/**
 * publishConfirmed and allConfirmed when the connection is cut before the
 * broker confirms, against the real RabbitMQ through a TCP proxy. The case that
 * made them necessary: amqplib calls the awaited confirms back on close only up
 * to the first gap that an out-of-order confirm left. Out-of-order confirms
 * come from several quorum queues committing apart, which one broker on this
 * machine does not do on cue, so the gap is made by hand where amqplib keeps it.
 */
import * as amqp from 'amqplib';
import { amqpUrl } from '../../../test/support/services';
import { amqpTarget, startTcpProxy, throughProxy } from '../../../test/support/tcp-proxy';
import { allConfirmed, publishConfirmed } from './confirmed-publish';

/** The window of confirm callbacks amqplib keeps on a confirm channel, from its least unconfirmed tag. */
type ConfirmWindowOfAmqplib = { unconfirmed: Array<((error: Error | null) => void) | false | null> };

describe('confirms on a channel that closes first', () => {
  let broker: string;

  beforeAll(async () => {
    broker = await amqpUrl();
  });

  async function cutWithGap(publish: (channel: amqp.ConfirmChannel) => Promise<void>): Promise<unknown> {
    const proxy = await startTcpProxy(amqpTarget(broker));
    const connection = await amqp.connect(throughProxy(broker, proxy));
    connection.on('error', () => undefined);
    try {
      const channel = await connection.createConfirmChannel();
      channel.on('error', () => undefined);
      // The broker's confirms never reach the client: the publish stays unconfirmed.
      proxy.holdReplies();
      const settled = publish(channel).then(
        () => 'confirmed',
        (error: Error) => error.message,
      );
      // As if an earlier tag were confirmed after a later one: amqplib leaves null in its place.
      (channel as unknown as ConfirmWindowOfAmqplib).unconfirmed.unshift(null);
      proxy.severAll();
      return await settled;
    } finally {
      await connection.close().catch(() => undefined);
      await proxy.close();
    }
  }

  it('publishConfirmed rejects instead of waiting for ever', async () => {
    await expect(cutWithGap((channel) => publishConfirmed(channel, '', Buffer.from('{}'), {}, 'nowhere'))).resolves.toBe(
      'channel closed before the broker confirmed',
    );
  });

  it('allConfirmed rejects instead of waiting for ever', async () => {
    await expect(
      cutWithGap(async (channel) => {
        channel.publish('', 'nowhere', Buffer.from('{}'));
        await allConfirmed(channel);
      }),
    ).resolves.toBe('channel closed before the broker confirmed');
  });
});
