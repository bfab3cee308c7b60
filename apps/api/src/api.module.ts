import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { TurnoutConfig } from '@turnout/config';
import { openDatabase } from '@turnout/database';
import { DeadLettersController } from './admin/dead-letters.controller';
import { DATA_SOURCE, TURNOUT_CONFIG } from './api.tokens';
import { ApiExceptionFilter } from './http/api-exception.filter';
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
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
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
