import { Logger } from '@nestjs/common';
import { BaseRpcContext, type CustomTransportStrategy, type MessageHandler, Server } from '@nestjs/microservices';
import * as amqp from 'amqplib';
import type { BrokerUrls } from '@turnout/config';
import { isObservable, lastValueFrom } from 'rxjs';
import { type ReconnectPolicy, connectToBroker, publishDeadLetter, reconnectDelayMs, renewConnectionWhenClosed } from '@turnout/messaging';
import type { MessageOutcome } from './message-outcome';

export class AmqpMessageContext extends BaseRpcContext<[amqp.ConsumeMessage]> {
  get message(): amqp.ConsumeMessage {
    return this.getArgByIndex(0) as amqp.ConsumeMessage;
  }
}

export interface AmqpConsumerTransportOptions {
  /** One broker URL or a cluster's nodes, as connectToBroker takes them. */
  amqpUrl: BrokerUrls;
  prefetch: number;
  /** Declares exchanges and queues before consuming. */
  assertTopology: (channel: amqp.Channel) => Promise<void>;
}

const RETRY_DELAY_MS = 500;
const RECONNECT_POLICY: ReconnectPolicy = { initialDelayMs: 250, maxDelayMs: 5_000 };

/**
 * A Nest microservice transport on amqplib. Each `@EventPattern(queueName)`
 * consumes that queue. A handler answers ack or dead-letter (with a reason);
 * a handler that throws met a passing fault (database, broker), so the message
 * goes back to the queue after a short delay instead of being lost.
 */
export class AmqpConsumerTransport extends Server implements CustomTransportStrategy {
  protected override readonly logger = new Logger('AmqpTransport');
  private connection?: amqp.ChannelModel;
  private closing = false;

  constructor(private readonly options: AmqpConsumerTransportOptions) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    this.connect().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  async close(): Promise<void> {
    this.closing = true;
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close().catch(() => undefined);
  }

  on(): void {
    // No transport-level events are exposed.
  }

  unwrap<T>(): T {
    return this.connection as T;
  }

  private async connect(): Promise<void> {
    const connection = await connectToBroker(this.options.amqpUrl, { connectionName: 'turnout router', log: (message) => this.logger.warn(message) });
    this.connection = connection;
    let consuming = false;
    connection.on('error', (error: Error) => this.logger.warn(`broker connection error: ${error.message}`));
    connection.on('close', () => {
      // One lost while it was being set up is retried by the attempt that set it up.
      if (consuming && !this.closing) {
        this.logger.warn('broker connection closed; reconnecting');
        void this.reconnect();
      }
    });
    try {
      const setup = await connection.createChannel();
      await this.options.assertTopology(setup);
      await setup.close();
      const deadLetters = renewConnectionWhenClosed(connection, await connection.createConfirmChannel(), (message) => this.logger.warn(message), 'dead-letter channel');
      for (const queue of this.messageHandlers.keys()) {
        // Looked up once: Nest's lookup parses the pattern on every call.
        const handler = this.getHandlerByPattern(queue);
        const channel = await connection.createChannel();
        await channel.prefetch(this.options.prefetch);
        await channel.consume(queue, (message) => {
          if (message !== null) void this.dispatch(queue, handler, channel, deadLetters, message);
        });
        this.logger.log(`consuming ${queue}`);
      }
    } catch (error) {
      // Half set up: closed, so that no consumer is left on a connection nobody watches.
      await connection.close().catch(() => undefined);
      throw error;
    }
    consuming = true;
  }

  /** Soon after a loss, then backing off (with jitter) while the broker stays away. */
  private async reconnect(): Promise<void> {
    for (let attempt = 1; !this.closing; attempt += 1) {
      const delayMs = reconnectDelayMs(attempt, RECONNECT_POLICY);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (this.closing) return;
      try {
        await this.connect();
        return;
      } catch (error) {
        this.logger.warn(`reconnect attempt ${attempt} failed: ${(error as Error).message}`);
      }
    }
  }

  private async dispatch(
    queue: string,
    handler: MessageHandler | null,
    channel: amqp.Channel,
    deadLetters: amqp.ConfirmChannel,
    message: amqp.ConsumeMessage,
  ): Promise<void> {
    try {
      if (handler === null) throw new Error(`no handler for ${queue}`);
      let outcome: unknown = await handler(message, new AmqpMessageContext([message]));
      if (isObservable(outcome)) outcome = await lastValueFrom(outcome, { defaultValue: undefined });
      const verdict = (outcome ?? { type: 'ack' }) as MessageOutcome;
      if (verdict.type === 'dead-letter') {
        this.logger.warn(`dead-lettering a message from ${queue}: ${verdict.reason}`);
        await publishDeadLetter(deadLetters, message, { reason: verdict.reason, queue });
      }
      channel.ack(message);
    } catch (error) {
      this.logger.error(`handling a message from ${queue} failed, it goes back to the queue: ${(error as Error).message}`);
      setTimeout(() => {
        try {
          channel.nack(message, false, true);
        } catch {
          // The channel is gone; the broker requeues the message by itself.
        }
      }, RETRY_DELAY_MS);
    }
  }
}
