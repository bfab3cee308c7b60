import { workflowIdOfStream } from '@turnout/domain';
import type { SqlRunner, StoredEvent } from '@turnout/event-store';
import type { ReadModel } from '@turnout/projections';
import { workflowEventOf } from '@turnout/workflow-runs';
import { readWorkflowSummaries } from './read-workflow-summaries';
import { saveWorkflowSummaries } from './save-workflow-summaries';
import { type WorkflowSummary, hasEnded, summaryAfter } from './workflow-summary';

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
 * True when the page's events of a run take up right where this summary left
 * off (or hold nothing newer): no event of the run was folded elsewhere in
 * between, so the summary is the one its row holds, or will once written again.
 */
function continues(summary: WorkflowSummary, runEvents: readonly StoredEvent[]): boolean {
  const next = runEvents.find((event) => event.streamVersion > summary.streamVersion);
  return next === undefined || next.streamVersion === summary.streamVersion + 1;
}

export interface WorkflowSummariesProjectionOptions {
  /** Summaries of running runs kept in memory between pages (the least recently folded are forgotten first). */
  maxKeptRuns: number;
}

/**
 * turnout_workflow_summaries, folded from the log: what search reads. A page
 * costs one write, whatever the number of runs in it, and a read only of the
 * runs this projection has not folded before (or has forgotten, or that another
 * runner folded meanwhile): the summary of a running run it folded is kept in
 * memory: reading and locking the row of every run a page touches again took
 * a seventh of the page's time (a replay of a benchmark's log, bench/README.md).
 * A page may come again: each summary keeps the stream version it was folded
 * to, and events at or below it are skipped. A kept summary may be ahead of its
 * row (a page whose transaction failed): it is written again with the next page
 * that touches the run, and the row's stream version keeps it from going back.
 * Dropped, the table is rebuilt by reading the log from the start.
 */
export function workflowSummariesProjection(options: WorkflowSummariesProjectionOptions = { maxKeptRuns: 10_000 }): ReadModel {
  const kept = new Map<string, WorkflowSummary>();
  const keep = (summary: WorkflowSummary): void => {
    kept.delete(summary.workflowId);
    // An ended run is seldom touched again; one that is (retried, restarted) is read.
    if (hasEnded(summary)) return;
    kept.set(summary.workflowId, summary);
    if (kept.size > options.maxKeptRuns) kept.delete(kept.keys().next().value as string);
  };

  return {
    name: 'workflow-summaries',
    tables: ['turnout_workflow_summaries'],

    async apply(tx: SqlRunner, events: readonly StoredEvent[]): Promise<void> {
      const byRun = eventsByRun(events);
      if (byRun.size === 0) return;
      const toRead = [...byRun]
        .filter(([workflowId, runEvents]) => {
          const summary = kept.get(workflowId);
          return summary === undefined || !continues(summary, runEvents);
        })
        .map(([workflowId]) => workflowId);
      const read = await readWorkflowSummaries(tx, toRead);
      const fromRows = new Set(toRead);
      const changed: WorkflowSummary[] = [];
      for (const [workflowId, runEvents] of byRun) {
        const fromRow = fromRows.has(workflowId);
        const before = (fromRow ? read.get(workflowId) : kept.get(workflowId)) ?? null;
        let summary = before;
        for (const stored of runEvents) {
          if (summary !== null && stored.streamVersion <= summary.streamVersion) continue;
          summary = summaryAfter(summary, workflowEventOf(stored), stored.streamVersion);
        }
        if (summary === null) continue;
        // A kept summary is written even when the page brought nothing new: its row may be behind it.
        if (summary !== before || !fromRow) changed.push(summary);
        keep(summary);
      }
      await saveWorkflowSummaries(tx, changed);
    },
  };
}
