import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import * as amqp from 'amqplib';
import type { TurnoutConfig } from '@turnout/config';
import {
  HEARTBEATS_EXCHANGE,
  type Heartbeat,
  TASK_RESULTS_EXCHANGE,
  type TaskResult,
  assertDeadLetter,
  assertTaskQueue,
  assertWorkerExchanges,
  connectToBroker,
  publishConfirmed,
  publishDeadLetter,
  renewConnectionWhenClosed,
  taskResultProperties,
} from '@turnout/messaging';
import { TURNOUT_CONFIG } from '../api.tokens';

/** A task message taken off its queue, not yet acknowledged. */
export interface TakenMessage {
  content: Buffer;
  ack(): void;
  /** Puts it back in its queue (the api could not hold it). */
  requeue(): void;
  /** Publishes it to the dead-letter exchange with the reason, then acks it. */
  deadLetter(reason: string): Promise<void>;
}

/**
 * The api's side of RabbitMQ: takes task messages for HTTP workers, publishes
 * their results (with confirms) for the router, reads queue depths. The
 * connection is opened on first use and again after it drops.
 */
@Injectable()
export class TaskQueueBroker implements OnApplicationShutdown {
  private readonly logger = new Logger(TaskQueueBroker.name);
  private connecting?: Promise<{ connection: amqp.ChannelModel; tasks: amqp.Channel; publish: amqp.ConfirmChannel }>;
  private readonly declared = new Set<string>();
  private probe?: Promise<amqp.Channel>;

  constructor(@Inject(TURNOUT_CONFIG) private readonly config: TurnoutConfig) {}

  async onApplicationShutdown(): Promise<void> {
    const current = await this.connecting?.catch(() => undefined);
    this.connecting = undefined;
    await current?.connection.close().catch(() => undefined);
  }

  async isReachable(): Promise<boolean> {
    try {
      await this.channels();
      return true;
    } catch {
      return false;
    }
  }

  async take(queueName: string): Promise<TakenMessage | null> {
    const { tasks, publish } = await this.channels();
    if (!this.declared.has(queueName)) {
      await assertTaskQueue(tasks, queueName);
      this.declared.add(queueName);
    }
    const message = await tasks.get(queueName, { noAck: false });
    if (message === false) return null;
    return {
      content: message.content,
      ack: () => tasks.ack(message),
      requeue: () => tasks.nack(message, false, true),
      deadLetter: async (reason) => {
        this.logger.warn(`dead-lettering a message from ${queueName}: ${reason}`);
        await publishDeadLetter(publish, message, { reason, queue: queueName });
        tasks.ack(message);
      },
    };
  }

  async publishResult(result: TaskResult): Promise<void> {
    const { publish } = await this.channels();
    await publishConfirmed(publish, TASK_RESULTS_EXCHANGE, Buffer.from(JSON.stringify(result)), taskResultProperties(result));
  }

  /** A poll counts as a heartbeat: it goes to the routers like any worker's, marked as HTTP. */
  async publishHeartbeat(heartbeat: Heartbeat): Promise<void> {
    const { publish } = await this.channels();
    await publishConfirmed(publish, HEARTBEATS_EXCHANGE, Buffer.from(JSON.stringify(heartbeat)), { contentType: 'application/json' });
  }

  /** Ready messages in a queue, or null when the queue does not exist. */
  async depth(queueName: string): Promise<number | null> {
    // checkQueue on a missing queue closes its channel: it gets a channel of its own.
    const channel = await (this.probe ??= this.channels().then(async ({ connection }) => {
      const created = await connection.createChannel();
      created.on('error', () => undefined);
      created.on('close', () => (this.probe = undefined));
      return created;
    }));
    try {
      return (await channel.checkQueue(queueName)).messageCount;
    } catch {
      this.probe = undefined;
      return null;
    }
  }

  private channels() {
    this.connecting ??= (async () => {
      const connection = await connectToBroker(this.config.amqpUrl, { connectionName: 'turnout api', log: (message) => this.logger.warn(message) });
      const forget = () => {
        this.connecting = undefined;
        this.probe = undefined;
        this.declared.clear();
      };
      connection.on('error', (error: Error) => this.logger.warn(`broker connection error: ${error.message}`));
      connection.on('close', forget);
      const warn = (message: string) => this.logger.warn(message);
      const publish = renewConnectionWhenClosed(connection, await connection.createConfirmChannel(), warn, 'publish channel');
      await assertWorkerExchanges(publish);
      await assertDeadLetter(publish);
      const tasks = renewConnectionWhenClosed(connection, await connection.createChannel(), warn, 'task channel');
      return { connection, tasks, publish };
    })().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }
}
