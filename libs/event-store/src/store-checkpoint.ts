import type { SqlRunner } from './sql-runner';
import type { Checkpoint } from './stored-event';

export async function storeCheckpoint(db: SqlRunner, subscription: string, checkpoint: Checkpoint): Promise<void> {
  await db.query(
    `insert into turnout_subscriptions (name, last_transaction_id, last_position) values ($1, $2::xid8, $3::bigint)
     on conflict (name) do update set last_transaction_id = excluded.last_transaction_id,
       last_position = excluded.last_position, updated_at = now()`,
    [subscription, checkpoint.transactionId, checkpoint.globalPosition],
  );
}
