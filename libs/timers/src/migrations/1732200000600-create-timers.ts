import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Durable timers, a projection of the log (timersOf): what each run waits
 * for, and when. Routers claim due rows by moving `due_at` ahead, so the one
 * index on it serves the claim whatever the number of timers.
 */
export class CreateTimers1732200000600 implements MigrationInterface {
  name = 'CreateTimers1732200000600';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      create table turnout_timers (
        id bigint generated always as identity primary key,
        workflow_id text not null,
        kind text not null,
        task_id text,
        due_at timestamptz not null,
        unique nulls not distinct (workflow_id, kind, task_id, due_at)
      )`);
    await queryRunner.query('create index turnout_timers_by_due on turnout_timers (due_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('drop table turnout_timers');
  }
}
