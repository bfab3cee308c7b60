import type { SqlRunner } from './sql-runner';
import { type Checkpoint, START_CHECKPOINT } from './stored-event';

export async function readCheckpoint(db: SqlRunner, subscription: string): Promise<Checkpoint> {
  const rows: Array<{ transaction_id: string; position: string }> = await db.query(
    'select last_transaction_id::text as transaction_id, last_position as position from turnout_subscriptions where name = $1',
    [subscription],
  );
  return rows.length === 0 ? START_CHECKPOINT : { transactionId: rows[0].transaction_id, globalPosition: String(rows[0].position) };
}
