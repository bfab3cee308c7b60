import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type * as amqp from 'amqplib';
import type { TurnoutConfig } from '@turnout/config';
import { connectToBroker, ensureEventQueue } from '@turnout/messaging';
import { TURNOUT_CONFIG } from '../api.tokens';

/**
 * Declares an event handler's queue when the handler is registered, as
 * Conductor's registration does: a message published once the api has
 * answered waits in the queue until a router consumes it. The connection is
 * opened on first use (registrations are rare) and again after it drops.
 */
@Injectable()
export class EventQueueBroker implements OnApplicationShutdown {
  private readonly logger = new Logger(EventQueueBroker.name);
  private connecting?: Promise<amqp.ChannelModel>;

  constructor(@Inject(TURNOUT_CONFIG) private readonly config: TurnoutConfig) {}

  async ensureQueue(queue: string): Promise<void> {
    await ensureEventQueue(await this.connection(), queue);
  }

  async onApplicationShutdown(): Promise<void> {
    const current = await this.connecting?.catch(() => undefined);
    this.connecting = undefined;
    await current?.close().catch(() => undefined);
  }

  private connection(): Promise<amqp.ChannelModel> {
    if (this.connecting === undefined) {
      const connecting = connectToBroker(this.config.amqpUrl, { connectionName: 'turnout api event queues', log: (message) => this.logger.warn(message) });
      this.connecting = connecting;
      const forget = () => {
        if (this.connecting === connecting) this.connecting = undefined;
      };
      connecting.then((connection) => {
        connection.on('error', (error: Error) => this.logger.warn(`broker connection error: ${error.message}`));
        connection.on('close', forget);
      }, forget);
    }
    return this.connecting;
  }
}
