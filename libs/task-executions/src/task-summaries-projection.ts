import { workflowIdOfStream } from '@turnout/domain';
import type { SqlRunner, StoredEvent } from '@turnout/event-store';
import type { ReadModel } from '@turnout/projections';
import { workflowEventOf } from '@turnout/workflow-runs';
import { recordTaskSummaries } from './record-task-summaries';
import { taskSummaryChangesOf } from './task-summary';

/**
 * turnout_task_summaries, folded from the log: a row per attempt, what task
 * search and the look-up of a task by id read. A page costs at most three
 * statements and reads nothing: an event names its attempt, and an attempt's
 * identity comes whole with its TaskScheduled. Dropped, it is rebuilt by
 * reading the log from the start.
 */
export const taskSummariesProjection: ReadModel = {
  name: 'task-summaries',
  // Task logs are not from the log: a rebuild keeps them.
  tables: ['turnout_task_summaries'],

  async apply(tx: SqlRunner, events: readonly StoredEvent[]): Promise<void> {
    const runEvents = events
      .map((stored) => ({ stored, workflowId: workflowIdOfStream(stored.streamId) }))
      .filter((entry): entry is { stored: StoredEvent; workflowId: string } => entry.workflowId !== null)
      // Stream order within a run; a page is in commit order, which keeps it.
      .map(({ stored, workflowId }) => ({ workflowId, streamVersion: stored.streamVersion, event: workflowEventOf(stored) }));
    if (runEvents.length === 0) return;
    await recordTaskSummaries(tx, taskSummaryChangesOf(runEvents));
  },
};
