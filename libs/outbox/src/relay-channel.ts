import { once } from 'node:events';
import type * as amqp from 'amqplib';
import type { BrokerUrls } from '@turnout/config';
import { messageOf } from '@turnout/domain';
import { allConfirmed, assertHttpTasksQueue, assertTaskQueue, connectToBroker } from '@turnout/messaging';
import type { OutgoingMessage } from './outbox-messages';

export interface RelayChannelOptions {
  amqpUrl: BrokerUrls;
  /** Shown in RabbitMQ, so that an operator sees which connection is the relay's. */
  connectionName: string;
  warn: (message: string) => void;
  /** Called when the broker connection or channel is lost: the relay should stop and start over. */
  wake: () => void;
}

/**
 * The relay's broker connection and its one confirm channel: one channel keeps
 * publishes, and so their confirms, in order.
 */
export class RelayChannel {
  private connection?: amqp.ChannelModel;
  private confirmChannel?: amqp.ConfirmChannel;
  private lostReason?: Error;
  /** The first message the broker nacked or sent back unrouted: the page holding it, and every one after, must go again. */
  private refusedReason?: Error;
  private closed = false;

  constructor(private readonly options: RelayChannelOptions) {}

  async open(): Promise<void> {
    const connection = await connectToBroker(this.options.amqpUrl, {
      connectionName: this.options.connectionName,
      log: this.options.warn,
    });
    this.connection = connection;
    // Without 'error' listeners a broker error would be thrown out of amqplib's socket handler.
    connection.on('error', this.lost);
    connection.on('close', () => this.lost(new Error('broker connection closed')));
    const channel = await connection.createConfirmChannel();
    channel.on('error', this.lost);
    channel.on('close', () => this.lost(new Error('broker channel closed')));
    channel.on('return', this.returned);
    // Before any publish: the broker drops a message for a queue that does not exist, and the routers may not have declared it yet.
    await assertHttpTasksQueue(channel);
    this.confirmChannel = channel;
  }

  /** Fails once the connection or channel is lost, or a message was refused: the relay starts over from its checkpoint. */
  throwIfLost(): void {
    if (this.lostReason) throw this.lostReason;
    if (this.refusedReason) throw this.refusedReason;
  }

  /** amqplib fails the pending confirms with a bare "channel closed": the broker's own reason, which came first, is added. */
  explain(error: unknown): unknown {
    if (this.lostReason && error !== this.lostReason) return new Error(`${messageOf(error)} (${this.lostReason.message})`);
    return error;
  }

  /** Declares a task queue with the arguments every declaring party uses. */
  async declareTaskQueue(queueName: string): Promise<void> {
    await assertTaskQueue(this.channel, queueName);
  }

  /** False when the channel's write buffer is full: wait until `drained()` before publishing more. */
  publish(message: OutgoingMessage): boolean {
    return this.channel.publish(message.exchange, message.routingKey, message.content, message.options, (error) => {
      if (error) this.refused(new Error(`the broker did not confirm a message for ${message.routingKey || message.exchange} (${error.message})`));
    });
  }

  /** Waits for the channel's write buffer to empty, or fails when the broker goes first. */
  async drained(): Promise<void> {
    const channel = this.channel;
    const done = new AbortController();
    try {
      await Promise.race([
        once(channel, 'drain', { signal: done.signal }),
        once(channel, 'close', { signal: done.signal }).then(() => {
          throw new Error('broker channel closed while the relay waited to publish');
        }),
      ]);
    } finally {
      // Removes the listener of whichever did not happen.
      done.abort();
    }
  }

  /**
   * Settles once the broker confirmed everything published so far; rejects when
   * the channel closes first, or when any message on the channel was nacked or
   * came back unrouted. The confirms awaited are only those still outstanding:
   * a nack that came while the page was going out (the relay awaits a queue's
   * declaration, or a drain, between publishes) is not among them, and was
   * taken for a confirm (measured on a three-node cluster that lost a node: the
   * new channel's first publishes to a queue whose leader had gone were nacked
   * at once, the page settled on the confirms of its later messages, and the
   * checkpoint passed the nacked task messages, lost). A returned message is
   * confirmed too, after it came back.
   */
  async confirmed(): Promise<void> {
    await allConfirmed(this.channel);
    if (this.refusedReason) throw this.refusedReason;
  }

  /** Closes the connection; what it does after this is no news. Safe to call more than once, or before it opened. */
  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close().catch(() => undefined);
  }

  private get channel(): amqp.ConfirmChannel {
    if (this.confirmChannel === undefined) throw new Error('the relay channel is not open');
    return this.confirmChannel;
  }

  /** A mandatory message no queue took: its confirm follows, and must not count as delivery. */
  private readonly returned = (message: amqp.Message): void => {
    const { exchange, routingKey, replyCode, replyText } = message.fields as amqp.Message['fields'] & { replyCode: number; replyText: string };
    this.refused(new Error(`the broker returned a message for ${routingKey || exchange} (${replyCode} ${replyText}): no queue took it`));
  };

  private refused(reason: Error): void {
    if (this.closed) return;
    this.refusedReason ??= reason;
    this.options.wake();
  }

  private readonly lost = (error: Error): void => {
    if (this.closed) return;
    this.lostReason ??= error;
    this.options.wake();
  };
}
