import type { Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { TurnoutConfig } from '@turnout/config';
import { BatchedAppender } from '@turnout/event-store';
import { loadScriptSandbox } from '@turnout/sandbox';
import { WorkflowCommandHandler } from '@turnout/workflow-runs';
import { DATA_SOURCE, TURNOUT_CONFIG } from './api.tokens';

/**
 * Starts and HTTP workers' holds go through the one command handler, with one
 * group-commit appender. The api keeps no run in memory: several apis and the
 * routers write the same streams, so every command reads the stream it decides on.
 */
export const WORKFLOW_COMMANDS: Provider = {
  provide: WorkflowCommandHandler,
  inject: [DATA_SOURCE, TURNOUT_CONFIG],
  // The sandbox loads at start-up: a start whose first task is a script completes it in its own append.
  useFactory: async (db: DataSource, config: TurnoutConfig) =>
    new WorkflowCommandHandler(db, new BatchedAppender(db), { maxCachedRuns: 0, scripts: await loadScriptSandbox(config) }),
};
