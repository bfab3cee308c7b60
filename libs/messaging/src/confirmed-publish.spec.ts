/**
 * publishConfirmed and allConfirmed when the connection is cut before the
 * broker confirms, against the real RabbitMQ through a TCP proxy. The case that
 * made them necessary: amqplib calls the awaited confirms back on close only up
 * to the first gap that an out-of-order confirm left. Out-of-order confirms
 * come from several quorum queues committing apart, which one broker on this
 * machine does not do on cue, so the gap is made by hand where amqplib keeps it.
 */
import * as amqp from 'amqplib';
import { amqpUrl, uniqueName } from '../../../test/support/services';
import { type TcpProxy, amqpTarget, startTcpProxy, throughProxy } from '../../../test/support/tcp-proxy';
import { waitFor } from '../../../test/support/wait-for';
import { allConfirmed, publishConfirmed } from './confirmed-publish';

/** The window of confirm callbacks amqplib keeps on a confirm channel, from its least unconfirmed tag. */
type ConfirmWindowOfAmqplib = { unconfirmed: Array<((error: Error | null) => void) | false | null> };

/** A confirm channel on a connection through a TCP proxy of its own, for `use`; closed after it. */
async function withChannelThroughProxy<T>(broker: string, use: (channel: amqp.ConfirmChannel, proxy: TcpProxy) => Promise<T>): Promise<T> {
  const proxy = await startTcpProxy(amqpTarget(broker));
  const connection = await amqp.connect(throughProxy(broker, proxy));
  connection.on('error', () => undefined);
  try {
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined);
    return await use(channel, proxy);
  } finally {
    await connection.close().catch(() => undefined);
    await proxy.close();
  }
}

/** What a wait for confirms came to: 'confirmed', or the message it was rejected with. */
const outcomeOf = (wait: Promise<void>): Promise<string> =>
  wait.then(
    () => 'confirmed',
    (error: Error) => error.message,
  );

describe('confirms on a channel that closes first', () => {
  let broker: string;

  beforeAll(async () => {
    broker = await amqpUrl();
  });

  const cutWithGap = (publish: (channel: amqp.ConfirmChannel) => Promise<void>): Promise<string> =>
    withChannelThroughProxy(broker, async (channel, proxy) => {
      // The broker's confirms never reach the client: the publish stays unconfirmed.
      proxy.holdReplies();
      const settled = outcomeOf(publish(channel));
      // As if an earlier tag were confirmed after a later one: amqplib leaves null in its place.
      (channel as unknown as ConfirmWindowOfAmqplib).unconfirmed.unshift(null);
      proxy.severAll();
      return settled;
    });

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

describe('confirms that never come, on a channel that stays open', () => {
  let broker: string;

  beforeAll(async () => {
    broker = await amqpUrl();
  });

  /** The broker's replies are held back by the proxy: the connection stands, and no confirm arrives. */
  const unanswered = (wait: (channel: amqp.ConfirmChannel) => Promise<void>): Promise<{ outcome: string; channelClosed: boolean }> =>
    withChannelThroughProxy(broker, async (channel, proxy) => {
      let channelClosed = false;
      channel.on('close', () => (channelClosed = true));
      proxy.holdReplies();
      const outcome = await outcomeOf(wait(channel));
      // The close asked for at the deadline completes once the broker's replies flow again.
      proxy.releaseReplies();
      await waitFor('the channel to close', () => channelClosed);
      return { outcome, channelClosed };
    });

  it('publishConfirmed rejects at its deadline and closes the channel, so that its owner starts afresh', async () => {
    await expect(unanswered((channel) => publishConfirmed(channel, '', Buffer.from('{}'), {}, 'nowhere', 200))).resolves.toEqual({
      outcome: 'the broker did not confirm within 200 ms; the channel is closed',
      channelClosed: true,
    });
  });

  it('allConfirmed rejects at its deadline and closes the channel', async () => {
    await expect(
      unanswered(async (channel) => {
        channel.publish('', 'nowhere', Buffer.from('{}'));
        await allConfirmed(channel, 200);
      }),
    ).resolves.toEqual({ outcome: 'the broker did not confirm within 200 ms; the channel is closed', channelClosed: true });
  });
});

describe('a mandatory publish nothing is bound for', () => {
  let connection: amqp.ChannelModel;
  let channel: amqp.ConfirmChannel;

  beforeAll(async () => {
    connection = await amqp.connect(await amqpUrl());
    channel = await connection.createConfirmChannel();
  });

  afterAll(async () => {
    await connection?.close();
  });

  async function topicExchange(): Promise<string> {
    const exchange = uniqueName('unbound');
    await channel.assertExchange(exchange, 'topic', { autoDelete: true });
    return exchange;
  }

  it('is not taken as confirmed: the broker returned it', async () => {
    const exchange = await topicExchange();
    await expect(publishConfirmed(channel, exchange, Buffer.from('{"n":1}'), { mandatory: true }, 'some-domain')).rejects.toThrow(
      `the broker returned the message unrouted (312 NO_ROUTE): nothing is bound to ${exchange} for routing key "some-domain"`,
    );
  });

  it('is confirmed once a queue is bound for its routing key, on the same channel', async () => {
    const exchange = await topicExchange();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, exchange, 'bound');
    const unrouted = publishConfirmed(channel, exchange, Buffer.from('{"n":2}'), { mandatory: true }, 'other');
    const routed = publishConfirmed(channel, exchange, Buffer.from('{"n":2}'), { mandatory: true }, 'bound');
    await expect(unrouted).rejects.toThrow('312 NO_ROUTE');
    await expect(routed).resolves.toBeUndefined();
    expect((await channel.checkQueue(queue)).messageCount).toBe(1);
  });

  it('is confirmed without mandatory, as before (dropped by the broker)', async () => {
    const exchange = await topicExchange();
    await expect(publishConfirmed(channel, exchange, Buffer.from('{"n":3}'), {}, 'some-domain')).resolves.toBeUndefined();
  });
});
