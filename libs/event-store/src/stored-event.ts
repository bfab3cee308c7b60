/** An event to append. */
export interface NewEvent {
  type: string;
  data: unknown;
  metadata?: Record<string, unknown>;
}

/** An event as the log holds it. Positions and transaction ids are bigints, kept as strings. */
export interface StoredEvent {
  streamId: string;
  streamVersion: number;
  globalPosition: string;
  transactionId: string;
  type: string;
  data: any;
  metadata: Record<string, unknown> | null;
  createdAt: Date;
}

/** Where a subscription stands in the log: (transaction id, position) of the last event it handled. */
export interface Checkpoint {
  transactionId: string;
  globalPosition: string;
}

export const START_CHECKPOINT: Checkpoint = { transactionId: '0', globalPosition: '0' };

/** The later of two checkpoints, in the order the log is read: transaction id, then position (bigints, compared exactly). */
export function laterCheckpoint(a: Checkpoint, b: Checkpoint): Checkpoint {
  const [transactionA, transactionB] = [BigInt(a.transactionId), BigInt(b.transactionId)];
  if (transactionA !== transactionB) return transactionA > transactionB ? a : b;
  return BigInt(a.globalPosition) >= BigInt(b.globalPosition) ? a : b;
}

export interface StoredEventRow {
  stream_id: string;
  stream_version: number;
  global_position: string;
  transaction_id: string;
  type: string;
  data: any;
  metadata: Record<string, unknown> | null;
  created_at: Date;
}

export function storedEventOf(row: StoredEventRow): StoredEvent {
  return {
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    globalPosition: String(row.global_position),
    transactionId: String(row.transaction_id),
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    createdAt: row.created_at,
  };
}

export const STORED_EVENT_COLUMNS =
  'stream_id, stream_version, global_position, transaction_id::text as transaction_id, type, data, metadata, created_at';
