import { workflowStreamId } from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';

export interface RunRemoval {
  /** Conductor's archiveWorkflow: keep the run's search summary (search still lists it), remove the rest. */
  keepSummary: boolean;
}

/**
 * Conductor's DELETE /api/workflow/{id}/remove: the run is gone from the
 * system. In an event-sourced log that means deleting its stream, not
 * appending to it: a tombstone event would keep the input and output the user
 * asked to remove. So its events, timers, task summaries and task logs (and
 * its search summary unless archived) go in one statement, so nothing is left
 * half removed. Only for an ended run (the caller checks): a running one still
 * has tasks in queues and a router folding it. Deleted events the relay and the
 * projections had not read yet are simply never read: an ended run publishes
 * nothing more that matters. Answers whether the run's stream had any event.
 */
export async function removeWorkflowRun(db: SqlRunner, workflowId: string, removal: RunRemoval): Promise<boolean> {
  const [answer]: Array<{ events: number }> = await db.query(
    `with events as (delete from turnout_events where stream_id = $1 returning 1),
       timers as (delete from turnout_timers where workflow_id = $2),
       logs as (delete from turnout_task_logs where task_id in (select task_id from turnout_task_summaries where workflow_id = $2)),
       tasks as (delete from turnout_task_summaries where workflow_id = $2),
       summary as (delete from turnout_workflow_summaries where workflow_id = $2 and not $3::boolean)
     select count(*)::integer as events from events`,
    [workflowStreamId(workflowId), workflowId, removal.keepSummary],
  );
  return answer.events > 0;
}
