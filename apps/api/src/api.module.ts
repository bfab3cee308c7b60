import { type DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import { PINO_LEVELS, type TurnoutConfig } from '@turnout/config';
import { openDatabase } from '@turnout/database';
import { DATA_SOURCE, TURNOUT_CONFIG } from './api.tokens';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { MetadataController } from './metadata/metadata.controller';
import { WorkflowDefinitionCache } from './metadata/workflow-definition-cache';
import { START_WORKFLOW_HANDLER } from './workflows/start-workflow.handler';
import { WorkflowController } from './workflows/workflow.controller';
import { WorkerPresenceService } from './workflows/worker-presence.service';
import { HealthController } from './operations/health.controller';
import { MetricsController } from './operations/metrics.controller';
import { TokenController } from './operations/token.controller';
import { HttpWorkerTasks } from './tasks/http-worker-tasks';
import { TaskQueueBroker } from './tasks/task-queue-broker';
import { TasksController } from './tasks/tasks.controller';

@Module({})
export class ApiModule {
  static register(config: TurnoutConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            name: 'api',
            level: PINO_LEVELS[config.logLevel],
            // Scrapes and health probes come every few seconds: a line for each would bury the rest.
            autoLogging: { ignore: (request) => ['/health', '/metrics'].includes(request.url?.split('?')[0] ?? '') },
          },
          // Express 5's spelling of "every route" (nestjs-pino's default `*` draws a deprecation warning at start).
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
        }),
      ],
      controllers: [MetadataController, WorkflowController, TasksController, TokenController, HealthController, MetricsController],
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
        START_WORKFLOW_HANDLER,
        TaskQueueBroker,
        HttpWorkerTasks,
      ],
    };
  }
}
