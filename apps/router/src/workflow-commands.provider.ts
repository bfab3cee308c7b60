import type { Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { TurnoutConfig } from '@turnout/config';
import { BatchedAppender } from '@turnout/event-store';
import { loadScriptSandbox } from '@turnout/sandbox';
import { WorkflowCommandHandler } from '@turnout/workflow-runs';
import { DATA_SOURCE, TURNOUT_CONFIG } from './router.tokens';

/**
 * One command handler (and one group-commit appender) for every message handler
 * and timer of this router; it keeps running workflows in memory, which its
 * relay keeps current (observeCommitted).
 */
export const WORKFLOW_COMMANDS: Provider = {
  provide: WorkflowCommandHandler,
  inject: [DATA_SOURCE, TURNOUT_CONFIG],
  // The sandbox loads at start-up: script tasks complete in the decision that reaches them.
  useFactory: async (db: DataSource, config: TurnoutConfig) => new WorkflowCommandHandler(db, new BatchedAppender(db), { scripts: await loadScriptSandbox(config) }),
};
