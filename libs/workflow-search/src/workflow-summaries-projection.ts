import { workflowIdOfStream } from '@turnout/domain';
import type { SqlRunner, StoredEvent } from '@turnout/event-store';
import type { Projection } from '@turnout/projections';
import { workflowEventOf } from '@turnout/workflow-runs';
import { readWorkflowSummaries } from './read-workflow-summaries';
import { saveWorkflowSummaries } from './save-workflow-summaries';
import { type WorkflowSummary, summaryAfter } from './workflow-summary';

/** The events of each run in a page, in stream order. */
function eventsByRun(events: readonly StoredEvent[]): Map<string, StoredEvent[]> {
  const byRun = new Map<string, StoredEvent[]>();
  for (const event of events) {
    const workflowId = workflowIdOfStream(event.streamId);
    if (workflowId === null) continue;
    const runEvents = byRun.get(workflowId);
    if (runEvents === undefined) byRun.set(workflowId, [event]);
    else runEvents.push(event);
  }
  for (const runEvents of byRun.values()) runEvents.sort((a, b) => a.streamVersion - b.streamVersion);
  return byRun;
}

/**
 * turnout_workflow_summaries, folded from the log: what search reads. A page
 * costs one read and one write, whatever the number of runs in it. It may come
 * again: each summary keeps the stream version it was folded to, and events at
 * or below it are skipped. Dropped, it is rebuilt by reading the log from the start.
 */
export const workflowSummariesProjection: Projection = {
  name: 'workflow-summaries',

  async apply(tx: SqlRunner, events: readonly StoredEvent[]): Promise<void> {
    const byRun = eventsByRun(events);
    if (byRun.size === 0) return;
    const known = await readWorkflowSummaries(tx, [...byRun.keys()]);
    const changed: WorkflowSummary[] = [];
    for (const [workflowId, runEvents] of byRun) {
      const before = known.get(workflowId) ?? null;
      let summary = before;
      for (const stored of runEvents) {
        if (summary !== null && stored.streamVersion <= summary.streamVersion) continue;
        summary = summaryAfter(summary, workflowEventOf(stored), stored.streamVersion);
      }
      if (summary !== null && summary !== before) changed.push(summary);
    }
    await saveWorkflowSummaries(tx, changed);
  },
};
