import type { Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { BatchedAppender } from '@turnout/event-store';
import { WorkflowCommandHandler } from '@turnout/workflow-runs';
import { DATA_SOURCE } from './api.tokens';

/**
 * Starts and HTTP workers' holds go through the one command handler, with one
 * group-commit appender. The api keeps no run in memory: several apis and the
 * routers write the same streams, so every command reads the stream it decides on.
 */
export const WORKFLOW_COMMANDS: Provider = {
  provide: WorkflowCommandHandler,
  inject: [DATA_SOURCE],
  useFactory: (db: DataSource) => new WorkflowCommandHandler(db, new BatchedAppender(db), { maxCachedRuns: 0 }),
};
