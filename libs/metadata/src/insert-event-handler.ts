import { type EventHandler, eventQueueOf } from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';

/** Stores a new handler; answers false, storing nothing, when one of that name exists (Conductor's 409). */
export async function insertEventHandler(db: SqlRunner, handler: EventHandler): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `insert into turnout_event_handlers (name, event, queue_name, active, handler) values ($1, $2, $3, $4, $5::jsonb)
     on conflict (name) do nothing
     returning name`,
    [handler.name, handler.event, eventQueueOf(handler.event), handler.active, JSON.stringify(handler)],
  );
  return rows.length > 0;
}
