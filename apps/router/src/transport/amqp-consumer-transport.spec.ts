import * as amqp from 'amqplib';
import { QUORUM_QUEUE_OPTIONS } from '@turnout/messaging';
import { amqpUrl, uniqueName } from '../../../../test/support/services';
import { type TcpProxy, amqpTarget, startTcpProxy, throughProxy } from '../../../../test/support/tcp-proxy';
import { waitFor } from '../../../../test/support/wait-for';
import { AmqpConsumerTransport } from './amqp-consumer-transport';

describe('AmqpConsumerTransport when the broker connection is lost', () => {
  let broker: string;
  let connection: amqp.ChannelModel;
  let channel: amqp.Channel;
  let proxy: TcpProxy;
  let transport: AmqpConsumerTransport | undefined;
  const queue = uniqueName('transport_reconnect');

  beforeAll(async () => {
    broker = await amqpUrl();
    connection = await amqp.connect(broker);
    channel = await connection.createChannel();
    proxy = await startTcpProxy(amqpTarget(broker));
  });

  afterAll(async () => {
    await transport?.close();
    await channel.deleteQueue(queue).catch(() => undefined);
    await connection.close();
    await proxy.close();
  });

  it('reconnects and consumes again, on one connection, also after a reconnect failed half-way through its setup', async () => {
    const handled: string[] = [];
    // First deliveries: a message handled just before a cut, its ack lost with the connection, comes again
    // flagged redelivered (at least once, as CI saw once); that is not a message handled twice by mistake.
    const firstDeliveries: string[] = [];
    let failNextSetup = false;
    transport = new AmqpConsumerTransport({
      amqpUrl: throughProxy(broker, proxy),
      prefetch: 10,
      assertTopology: async (setup) => {
        await setup.assertQueue(queue, QUORUM_QUEUE_OPTIONS);
        if (failNextSetup) {
          failNextSetup = false;
          throw new Error('setup failed on purpose');
        }
      },
    });
    transport.addHandler(
      queue,
      async (message: amqp.ConsumeMessage) => {
        handled.push(message.content.toString());
        if (!message.fields.redelivered) firstDeliveries.push(message.content.toString());
      },
      true,
    );
    await new Promise<void>((resolve, reject) => transport!.listen((error?: unknown) => (error === undefined ? resolve() : reject(error))));
    const send = (body: string) => channel.sendToQueue(queue, Buffer.from(body));

    send('before');
    await waitFor('the message sent before the cut', () => handled.includes('before'));
    // The first connection after the cut fails while it declares its queues: it must not stay open unwatched.
    failNextSetup = true;
    proxy.severAll();
    await waitFor('a reconnect that failed in its setup', () => !failNextSetup);
    send('after');
    await waitFor('the message sent after the reconnect', () => handled.includes('after'), { timeoutMs: 20_000 });

    // A second loss: one reconnect, one consumer (a connection left from the failed setup would bring a second).
    proxy.severAll();
    send('after the second loss');
    await waitFor('the message sent after the second loss', () => handled.includes('after the second loss'), { timeoutMs: 20_000 });
    await waitFor('the consumers to settle at one', async () => (await channel.checkQueue(queue)).consumerCount === 1);
    // Nothing left to reconnect: still one consumer a moment later (each reconnect waits at most about 5 s).
    const acceptedAfter = proxy.accepted;
    send('last');
    await waitFor('the last message', () => handled.includes('last'));
    expect((await channel.checkQueue(queue)).consumerCount).toBe(1);
    expect(proxy.accepted).toBe(acceptedAfter);
    expect(firstDeliveries.filter((body) => body === 'after')).toHaveLength(1);
  });
});
