import type { MigrationInterface, QueryRunner } from 'typeorm';
import { EventsWithoutParallelScans1732200000500 } from './1732200000500-events-without-parallel-scans';

/**
 * The event log and the subscriptions' checkpoints. Every event carries its
 * writer's transaction id (xid8) so that readers can follow the log in commit
 * order without skipping events that commit late.
 */
export class CreateEventStore1732200000000 implements MigrationInterface {
  name = 'CreateEventStore1732200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      create table turnout_events (
        global_position bigserial primary key,
        transaction_id xid8 not null default pg_current_xact_id(),
        stream_id text not null,
        stream_version integer not null,
        type text not null,
        data jsonb not null,
        metadata jsonb,
        created_at timestamptz not null default now(),
        unique (stream_id, stream_version)
      )`);
    await queryRunner.query('create index turnout_events_in_commit_order on turnout_events (transaction_id, global_position)');
    await queryRunner.query(`
      create table turnout_subscriptions (
        name text primary key,
        last_transaction_id xid8 not null,
        last_position bigint not null,
        updated_at timestamptz not null default now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('drop table turnout_subscriptions');
    await queryRunner.query('drop table turnout_events');
  }
}

export const EVENT_STORE_MIGRATIONS = [CreateEventStore1732200000000, EventsWithoutParallelScans1732200000500];
