import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type * as amqp from 'amqplib';
import type { DataSource } from 'typeorm';
import type { TurnoutConfig } from '@turnout/config';
import { type EventHandler, eventQueueOf, messageOf } from '@turnout/domain';
import { assertDeadLetter, connectToBroker, ensureEventQueue, publishDeadLetter, renewConnectionWhenClosed } from '@turnout/messaging';
import { listEventHandlers } from '@turnout/metadata';
import { DATA_SOURCE, TURNOUT_CONFIG } from '../router.tokens';
import { EventMessageStarts } from './event-message-starts';

/**
 * How often each router re-reads the active handlers. Polled, not LISTENed:
 * handlers change rarely and a poll also recovers from everything (a router
 * that was down, a dropped broker connection, a queue deleted under it) with
 * no notice to miss. A registered handler's queue is declared by the api
 * before it answers, so messages published meanwhile wait in it; a handler
 * deleted or deactivated stops being consumed within this period (Conductor's
 * own event queue refresh runs every minute).
 */
export const EVENT_HANDLERS_REFRESH_MS = 2_000;
const RETRY_DELAY_MS = 500;

interface QueueConsumer {
  channel: amqp.Channel;
  consumerTag: string;
  /** Messages being handled: a consumer that stops waits for them before closing its channel. */
  inFlight: Set<Promise<void>>;
}

interface BrokerSession {
  connection: amqp.ChannelModel;
  deadLetters: amqp.ConfirmChannel;
}

/**
 * Consumes the queue of every active event handler (competing with the other
 * routers), following registrations, updates and deletions. Each queue has
 * its own channel, so one that fails leaves the others consuming.
 */
@Injectable()
export class EventHandlerConsumers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(EventHandlerConsumers.name);
  /** The active handlers of each queue, as last read: what a message is handled by when it comes. */
  private handlersByQueue = new Map<string, EventHandler[]>();
  private readonly consumers = new Map<string, QueueConsumer>();
  private session?: BrokerSession;
  private interval?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  private stopping = false;

  constructor(
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(TURNOUT_CONFIG) private readonly config: TurnoutConfig,
    private readonly messageStarts: EventMessageStarts,
  ) {}

  onApplicationBootstrap(): void {
    const refresh = () => {
      this.refreshing ??= this.refresh()
        .catch((error: unknown) => this.logger.warn(`following event handlers failed: ${messageOf(error)}`))
        .finally(() => (this.refreshing = undefined));
    };
    refresh();
    this.interval = setInterval(refresh, EVENT_HANDLERS_REFRESH_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.interval);
    await this.refreshing;
    await Promise.all([...this.consumers.keys()].map((queue) => this.stopConsuming(queue)));
    await this.session?.connection.close().catch(() => undefined);
    this.session = undefined;
  }

  /** Reads the active handlers and consumes exactly their queues. */
  async refresh(): Promise<void> {
    const handlers = await listEventHandlers(this.db, { activeOnly: true });
    const byQueue = new Map<string, EventHandler[]>();
    for (const handler of handlers) {
      const queue = eventQueueOf(handler.event);
      // Stored handlers were validated: every event names a queue.
      if (queue === null) continue;
      byQueue.set(queue, [...(byQueue.get(queue) ?? []), handler]);
    }
    this.handlersByQueue = byQueue;
    for (const queue of [...this.consumers.keys()]) {
      if (!byQueue.has(queue)) await this.stopConsuming(queue);
    }
    if (byQueue.size === 0 || this.stopping) return;
    const session = await this.brokerSession();
    for (const queue of byQueue.keys()) {
      if (!this.consumers.has(queue)) await this.startConsuming(session, queue);
    }
  }

  private async brokerSession(): Promise<BrokerSession> {
    if (this.session !== undefined) return this.session;
    const connection = await connectToBroker(this.config.amqpUrl, { connectionName: 'turnout router event handlers', log: (message) => this.logger.warn(message) });
    connection.on('error', (error: Error) => this.logger.warn(`broker connection error: ${error.message}`));
    connection.on('close', () => {
      if (this.session?.connection !== connection) return;
      // The broker puts back what was unacknowledged; the next refresh connects and consumes again.
      if (!this.stopping) this.logger.warn('event handler connection closed; consuming again at the next refresh');
      this.session = undefined;
      this.consumers.clear();
    });
    const deadLetters = renewConnectionWhenClosed(connection, await connection.createConfirmChannel(), (message) => this.logger.warn(message), 'dead-letter channel');
    await assertDeadLetter(deadLetters);
    this.session = { connection, deadLetters };
    return this.session;
  }

  private async startConsuming(session: BrokerSession, queue: string): Promise<void> {
    await ensureEventQueue(session.connection, queue);
    const channel = await session.connection.createChannel();
    channel.on('error', (error: Error) => this.logger.warn(`event queue ${queue}: ${error.message}`));
    channel.on('close', () => {
      // Closed under it (the queue was deleted, a channel error): consumed again at the next refresh.
      if (this.consumers.get(queue)?.channel === channel) this.consumers.delete(queue);
    });
    await channel.prefetch(this.config.routerPrefetch);
    const inFlight = new Set<Promise<void>>();
    const { consumerTag } = await channel.consume(queue, (message) => {
      if (message === null) {
        // The broker cancelled the consumer (the queue was deleted).
        if (this.consumers.get(queue)?.channel === channel) this.consumers.delete(queue);
        void channel.close().catch(() => undefined);
        return;
      }
      const handled = this.dispatch(queue, channel, session.deadLetters, message);
      inFlight.add(handled);
      void handled.finally(() => inFlight.delete(handled));
    });
    this.consumers.set(queue, { channel, consumerTag, inFlight });
    const names = (this.handlersByQueue.get(queue) ?? []).map((handler) => handler.name).join(', ');
    this.logger.log(`consuming event queue ${queue} (event handlers ${names})`);
  }

  /** No new deliveries; what is being handled finishes (acked or put back) before the channel closes. */
  private async stopConsuming(queue: string): Promise<void> {
    const consumer = this.consumers.get(queue);
    if (consumer === undefined) return;
    this.consumers.delete(queue);
    await consumer.channel.cancel(consumer.consumerTag).catch(() => undefined);
    await Promise.allSettled([...consumer.inFlight]);
    await consumer.channel.close().catch(() => undefined);
    this.logger.log(`stopped consuming event queue ${queue}: no active event handler names it`);
  }

  private async dispatch(queue: string, channel: amqp.Channel, deadLetters: amqp.ConfirmChannel, message: amqp.ConsumeMessage): Promise<void> {
    const handlers = this.handlersByQueue.get(queue) ?? [];
    try {
      if (handlers.length === 0) {
        // Its handlers went between delivery and now: back to the queue, for whoever consumes it next.
        channel.nack(message, false, true);
        return;
      }
      const outcome = await this.messageStarts.handle(handlers, message);
      switch (outcome.type) {
        case 'ack':
          break;
        case 'dead-letter':
          this.logger.warn(`dead-lettering a message from event queue ${queue}: ${outcome.reason}`);
          await publishDeadLetter(deadLetters, message, { reason: outcome.reason, queue });
          break;
        default: {
          const unknown: never = outcome;
          throw new Error(`unknown message outcome ${JSON.stringify(unknown)}`);
        }
      }
      channel.ack(message);
    } catch (error) {
      this.logger.error(`handling a message from event queue ${queue} failed, it goes back to the queue: ${messageOf(error)}`);
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      try {
        channel.nack(message, false, true);
      } catch {
        // The channel is gone; the broker requeues the message by itself.
      }
    }
  }
}
