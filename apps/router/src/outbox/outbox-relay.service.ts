import { Inject, Injectable, Logger, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { TurnoutConfig } from '@turnout/config';
import { OutboxRelay } from '@turnout/outbox';
import { WorkflowCommandHandler } from '@turnout/workflow-runs';
import { DATA_SOURCE, TURNOUT_CONFIG } from '../router.tokens';

const RELAY_SUBSCRIPTION = 'outbox-relay';

/** Runs this router's outbox relay; one per database is active (advisory lock), the others wait to take over. */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly relay: OutboxRelay;

  constructor(@Inject(DATA_SOURCE) db: DataSource, @Inject(TURNOUT_CONFIG) config: TurnoutConfig, workflows: WorkflowCommandHandler) {
    this.relay = new OutboxRelay({
      databaseUrl: config.databaseUrl,
      db,
      amqpUrl: config.amqpUrl,
      subscriptionName: RELAY_SUBSCRIPTION,
      batchSize: config.relayBatchSize,
      pollMs: config.relayPollMs,
      logger: new Logger('OutboxRelay'),
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
