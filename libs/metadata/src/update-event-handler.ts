import { type EventHandler, eventQueueOf } from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';

/** Replaces the handler of that name; answers false, storing nothing, when there is none (Conductor's 404). */
export async function updateEventHandler(db: SqlRunner, handler: EventHandler): Promise<boolean> {
  const rows: unknown[] = await db.query(
    // Through a CTE: TypeORM answers a bare UPDATE with [rows, count], a SELECT with its rows.
    `with updated as (
       update turnout_event_handlers set event = $2, queue_name = $3, active = $4, handler = $5::jsonb, updated_at = now()
       where name = $1
       returning name)
     select name from updated`,
    [handler.name, handler.event, eventQueueOf(handler.event), handler.active, JSON.stringify(handler)],
  );
  return rows.length > 0;
}
