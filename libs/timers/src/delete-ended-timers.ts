import type { SqlRunner } from '@turnout/event-store';
import type { EndedTimers } from './timer-changes';

/**
 * Deletes the timers of tasks and runs that ended: they could only fire to
 * decide nothing. A task's RETRY timer stays (it is set once the attempt it
 * retries has ended); a run's end takes all of its timers.
 */
export async function deleteEndedTimers(db: SqlRunner, ended: readonly EndedTimers[]): Promise<void> {
  if (ended.length === 0) return;
  await db.query(
    `delete from turnout_timers timer
     using unnest($1::text[], $2::text[]) as ended (workflow_id, task_id)
     where timer.workflow_id = ended.workflow_id
       and (ended.task_id is null or (timer.task_id = ended.task_id and timer.kind <> 'RETRY'))`,
    [ended.map((end) => end.workflowId), ended.map((end) => end.taskId)],
  );
}
