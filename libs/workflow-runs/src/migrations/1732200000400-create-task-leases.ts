import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tasks held by HTTP workers, with the time to look at them again. Written
 * before TaskStarted is appended, so a hold is never without its deadline.
 * Kept for the schema's history: DropTaskLeases1732200000700 drops the table.
 */
export class CreateTaskLeases1732200000400 implements MigrationInterface {
  name = 'CreateTaskLeases1732200000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      create table turnout_task_leases (
        task_id text primary key,
        workflow_id text not null,
        due_at timestamptz not null
      )`);
    await queryRunner.query('create index turnout_task_leases_by_due on turnout_task_leases (due_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('drop table turnout_task_leases');
  }
}
