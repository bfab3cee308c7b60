import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { TurnoutConfig } from '@turnout/config';
import { openDatabase } from '@turnout/database';
import { DeadLettersController } from './admin/dead-letters.controller';
import { stopTracing } from '@turnout/tracing';
import { DATA_SOURCE, TURNOUT_CONFIG } from './api.tokens';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiTokens } from './auth/api-tokens';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { StorableInputPipe } from './http/storable-input.pipe';
import { MetadataController } from './metadata/metadata.controller';
import { WorkflowDefinitionCache } from './metadata/workflow-definition-cache';
import { START_WORKFLOW_HANDLER } from './workflows/start-workflow.handler';
import { WORKFLOW_STARTS } from './workflow-starts.provider';
import { EventHandlersController } from './events/event-handlers.controller';
import { EventQueueBroker } from './events/event-queue-broker';
import { WORKFLOW_COMMANDS } from './workflow-commands.provider';
import { WorkflowController } from './workflows/workflow.controller';
import { WorkflowActionsController } from './workflows/workflow-actions.controller';
import { WorkflowQueriesController } from './workflows/workflow-queries.controller';
import { WorkerPresenceService } from './presence/worker-presence.service';
import { HealthController } from './operations/health.controller';
import { MetricsController } from './operations/metrics.controller';
import { TokenController } from './operations/token.controller';
import { HttpWorkerTasks } from './tasks/http-worker-tasks';
import { TaskQueueBroker } from './tasks/task-queue-broker';
import { TasksController } from './tasks/tasks.controller';
import { TaskQueriesController } from './tasks/task-queries.controller';

@Module({})
export class ApiModule {
  static register(config: TurnoutConfig, logger: Logger): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        // Nest's Logger writes through the api's one pino logger; request lines come from main.ts (requestLogging).
        LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] }),
      ],
      controllers: [
        MetadataController,
        WorkflowController,
        WorkflowActionsController,
        WorkflowQueriesController,
        TasksController,
        TaskQueriesController,
        EventHandlersController,
        DeadLettersController,
        TokenController,
        HealthController,
        MetricsController,
      ],
      providers: [
        { provide: TURNOUT_CONFIG, useValue: config },
        { provide: DATA_SOURCE, useFactory: () => openDatabase(config.databaseUrl, { poolSize: 20 }) },
        {
          provide: 'DATA_SOURCE_CLOSER',
          inject: [DATA_SOURCE],
          useFactory: (db: DataSource) => ({ onApplicationShutdown: () => db.destroy() }),
        },
        // Tracing (on from main.ts when OTEL_EXPORTER_OTLP_ENDPOINT is set) exports its last spans as the process stops.
        { provide: 'TRACING_STOPPER', useFactory: () => ({ onApplicationShutdown: () => stopTracing() }) },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: ApiTokens, useValue: new ApiTokens(config.apiKeys, config.apiTokenTtlSeconds) },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_PIPE, useClass: StorableInputPipe },
        WorkerPresenceService,
        WorkflowDefinitionCache,
        WORKFLOW_COMMANDS,
        WORKFLOW_STARTS,
        START_WORKFLOW_HANDLER,
        EventQueueBroker,
        TaskQueueBroker,
        HttpWorkerTasks,
      ],
    };
  }
}
