import { CreateDeadLetters1732200001600 } from '@turnout/dead-letters';
import { EVENT_STORE_MIGRATIONS } from '@turnout/event-store';
import { CreateDefinitions1732200000100, CreateEventHandlers1732200001200, CreateTaskQueues1732200000300 } from '@turnout/metadata';
import { CreateWorkerPresence1732200000200 } from '@turnout/presence';
import { CreateTaskExecutions1732200001500 } from '@turnout/task-executions';
import { CreateTimers1732200000600 } from '@turnout/timers';
import { CreateTaskLeases1732200000400, DropTaskLeases1732200000700 } from '@turnout/workflow-runs';
import { CreateWorkflowSummaries1732200000900 } from '@turnout/workflow-search';

/** Turnout's whole schema, in the order it is built. */
export const TURNOUT_MIGRATIONS = [
  ...EVENT_STORE_MIGRATIONS,
  CreateDefinitions1732200000100,
  CreateWorkerPresence1732200000200,
  CreateTaskQueues1732200000300,
  CreateTaskLeases1732200000400,
  CreateTimers1732200000600,
  DropTaskLeases1732200000700,
  CreateWorkflowSummaries1732200000900,
  CreateEventHandlers1732200001200,
  CreateTaskExecutions1732200001500,
  CreateDeadLetters1732200001600,
];
