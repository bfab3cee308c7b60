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
import { WORKFLOW_COMMANDS } from './workflow-commands.provider';
import { WorkflowController } from './workflows/workflow.controller';
import { WorkflowActionsController } from './workflows/workflow-actions.controller';
import { WorkerPresenceService } from './presence/worker-presence.service';
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
            // Starts and polls come by the thousand a second: a request that went well is a debug line,
            // one refused a warning, one that failed an error.
            customLogLevel: (_request, response, error) =>
              error !== undefined || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'debug',
            // Method and URL, never the headers (an X-Authorization token must not reach the log).
            serializers: {
              req: (request: { id: unknown; method: string; url: string }) => ({ id: request.id, method: request.method, url: request.url }),
            },
          },
          // Express 5's spelling of "every route" (nestjs-pino's default `*` draws a deprecation warning at start).
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
        }),
      ],
      controllers: [MetadataController, WorkflowController, WorkflowActionsController, TasksController, TokenController, HealthController, MetricsController],
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
        START_WORKFLOW_HANDLER,
        TaskQueueBroker,
        HttpWorkerTasks,
      ],
    };
  }
}
