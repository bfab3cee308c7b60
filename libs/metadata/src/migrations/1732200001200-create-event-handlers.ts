import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conductor's event handlers: each active one has its queue consumed by the
 * routers. The handler is kept as registered (jsonb); its queue and `active`
 * are columns because the routers select on them every few seconds.
 */
export class CreateEventHandlers1732200001200 implements MigrationInterface {
  name = 'CreateEventHandlers1732200001200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      create table turnout_event_handlers (
        name text primary key,
        event text not null,
        queue_name text not null,
        active boolean not null,
        handler jsonb not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`);
    await queryRunner.query('create index turnout_event_handlers_event on turnout_event_handlers (event)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('drop table turnout_event_handlers');
  }
}
