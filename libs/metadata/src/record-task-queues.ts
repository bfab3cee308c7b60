import type { SqlRunner } from '@turnout/event-store';

/** Remembers task queue names (`<taskType>` or `<taskType>@<domain>`); known ones are left as they are. */
export async function recordTaskQueues(db: SqlRunner, queueNames: readonly string[]): Promise<void> {
  if (queueNames.length === 0) return;
  await db.query(
    `insert into turnout_task_queues (queue_name, task_type, domain)
     select name, split_part(name, '@', 1), nullif(substr(name, length(split_part(name, '@', 1)) + 2), '')
     from unnest($1::text[]) as name
     on conflict (queue_name) do nothing`,
    [queueNames],
  );
}
