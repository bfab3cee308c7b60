import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import type { TurnoutConfig } from '@turnout/config';
import { createTurnoutLogger } from '@turnout/logging';
import { openDatabase } from '@turnout/database';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { stopTracing } from '@turnout/tracing';
import { HeartbeatsController } from './presence/heartbeats.controller';
import { WORKFLOW_COMMANDS } from './workflow-commands.provider';
import { TaskResultsController } from './task-results/task-results.controller';
import { HttpTasksController } from './http-tasks/http-tasks.controller';
import { RoutingMetrics } from './metrics/routing-metrics';
import { OutboxRelayService } from './outbox/outbox-relay.service';
import { ProjectionRunnerService } from './projections/projection-runner.service';
import { DueTimersService } from './timers/due-timers.service';
import { WorkerPresenceService } from './presence/worker-presence.service';
import { DATA_SOURCE, TURNOUT_CONFIG } from './router.tokens';
import { EventHandlerConsumers } from './event-handlers/event-handler-consumers.service';
import { EventMessageStarts } from './event-handlers/event-message-starts';
import { ROUTER_WORKFLOW_STARTS } from './event-handlers/router-workflow-starts.provider';

@Module({})
export class RouterModule {
  static register(config: TurnoutConfig): DynamicModule {
    return {
      module: RouterModule,
      // No HTTP here: nestjs-pino gives the router's pino logger to every Nest Logger.
      imports: [LoggerModule.forRoot({ pinoHttp: { logger: createTurnoutLogger(config, 'router') } })],
      controllers: [TaskResultsController, HeartbeatsController, DeadLettersController, HttpTasksController],
      providers: [
        { provide: TURNOUT_CONFIG, useValue: config },
        {
          provide: DATA_SOURCE,
          useFactory: () => openDatabase(config.databaseUrl, { poolSize: 20 }),
        },
        {
          provide: 'DATA_SOURCE_CLOSER',
          inject: [DATA_SOURCE],
          useFactory: (db: DataSource) => ({ onApplicationShutdown: () => db.destroy() }),
        },
        // Tracing (on from main.ts when OTEL_EXPORTER_OTLP_ENDPOINT is set) exports its last spans as the process stops.
        { provide: 'TRACING_STOPPER', useFactory: () => ({ onApplicationShutdown: () => stopTracing() }) },
        WORKFLOW_COMMANDS,
        WorkerPresenceService,
        OutboxRelayService,
        ProjectionRunnerService,
        DueTimersService,
        RoutingMetrics,
        ROUTER_WORKFLOW_STARTS,
        EventMessageStarts,
        EventHandlerConsumers,
      ],
    };
  }
}
