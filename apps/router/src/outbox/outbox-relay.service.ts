import { Inject, Injectable, Logger, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { TurnoutConfig } from '@turnout/config';
import { OutboxRelay } from '@turnout/event-store';
import { recordTaskQueues } from '@turnout/metadata';
import { WorkflowCommandHandler } from '@turnout/workflow-runs';
import { DATA_SOURCE, TURNOUT_CONFIG } from '../router.tokens';
import { outboxMessagesOf } from './outbox-messages';

/** One relay per database is active (advisory lock); a router's relay waits to take over otherwise. */
const RELAY_LOCK_KEY = 7_251_002;
const RELAY_SUBSCRIPTION = 'outbox-relay';

@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private readonly relay: OutboxRelay;

  constructor(@Inject(DATA_SOURCE) db: DataSource, @Inject(TURNOUT_CONFIG) config: TurnoutConfig, workflows: WorkflowCommandHandler) {
    this.relay = new OutboxRelay({
      databaseUrl: config.databaseUrl,
      db,
      amqpUrl: config.amqpUrl,
      subscriptionName: RELAY_SUBSCRIPTION,
      lockKey: RELAY_LOCK_KEY,
      toMessages: outboxMessagesOf,
      batchSize: config.relayBatchSize,
      pollMs: config.relayPollMs,
      logger: this.logger,
      // Queue listings (GET /api/tasks/queue/all) know a queue from its first task on.
      onQueueDeclared: (queueName) => recordTaskQueues(db, [queueName]),
      // The log as it commits keeps this router's cache of running workflows current.
      onEventsRead: (events) => workflows.observeCommitted(events),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}
