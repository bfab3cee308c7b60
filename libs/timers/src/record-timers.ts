import type { WorkflowTimer } from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';

/** Notes timers; one already noted (the same run, kind, task and due time) is left as it is, so a page may come again. */
export async function recordTimers(db: SqlRunner, timers: readonly WorkflowTimer[]): Promise<void> {
  if (timers.length === 0) return;
  await db.query(
    `insert into turnout_timers (workflow_id, kind, task_id, due_at)
     select workflow_id, kind, task_id, to_timestamp(due_at_ms / 1000.0)
     from unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) as timer (workflow_id, kind, task_id, due_at_ms)
     on conflict do nothing`,
    [timers.map((timer) => timer.workflowId), timers.map((timer) => timer.kind), timers.map((timer) => timer.taskId), timers.map((timer) => timer.dueAt)],
  );
}
