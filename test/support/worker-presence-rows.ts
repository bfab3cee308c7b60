/** What Turnout's presence projection knows of one worker, read from the test's database. */
import type { Client } from 'pg';

export interface PresenceRow {
  taskType: string;
  domain: string | null;
  gone: boolean;
}

export async function presenceOf(db: Client, workerId: string): Promise<PresenceRow[]> {
  const rows = await db.query<{ task_type: string; domain: string; gone: boolean }>(
    'select task_type, domain, gone from turnout_worker_presence where worker_id = $1 order by task_type, domain',
    [workerId],
  );
  // The projection stores "no domain" as ''.
  return rows.rows.map((row) => ({ taskType: row.task_type, domain: row.domain === '' ? null : row.domain, gone: row.gone }));
}
