import type { EventHandler } from '@turnout/domain';
import type { SqlRunner } from '@turnout/event-store';

export interface EventHandlerFilter {
  /** Only the handlers of this event (as registered: `amqp_queue:<queue>`). */
  event?: string;
  activeOnly?: boolean;
}

/** Handlers by name: all of them, those of one event, or only the active ones (what the routers consume). */
export async function listEventHandlers(db: SqlRunner, { event, activeOnly = false }: EventHandlerFilter = {}): Promise<EventHandler[]> {
  const rows: Array<{ handler: EventHandler }> = await db.query(
    `select handler from turnout_event_handlers
     where ($1::text is null or event = $1::text) and (not $2::boolean or active)
     order by name`,
    [event ?? null, activeOnly],
  );
  return rows.map((row) => row.handler);
}
