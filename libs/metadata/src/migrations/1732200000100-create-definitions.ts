import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Task and workflow definitions (Conductor's metadata), kept as the client sent them. */
export class CreateDefinitions1732200000100 implements MigrationInterface {
  name = 'CreateDefinitions1732200000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      create table turnout_task_definitions (
        name text primary key,
        definition jsonb not null,
        updated_at timestamptz not null default now()
      )`);
    await queryRunner.query(`
      create table turnout_workflow_definitions (
        name text not null,
        version integer not null,
        definition jsonb not null,
        updated_at timestamptz not null default now(),
        primary key (name, version)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('drop table turnout_workflow_definitions');
    await queryRunner.query('drop table turnout_task_definitions');
  }
}
