import type { Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { BatchedAppender } from '@turnout/event-store';
import { WorkflowCommandHandler } from '@turnout/workflow-runs';
import { DATA_SOURCE } from './router.tokens';

/**
 * One command handler (and one group-commit appender) for every message handler
 * and timer of this router; it keeps running workflows in memory, which its
 * relay keeps current (observeCommitted).
 */
export const WORKFLOW_COMMANDS: Provider = {
  provide: WorkflowCommandHandler,
  inject: [DATA_SOURCE],
  useFactory: (db: DataSource) => new WorkflowCommandHandler(db, new BatchedAppender(db)),
};
