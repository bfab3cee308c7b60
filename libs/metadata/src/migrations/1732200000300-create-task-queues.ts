import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Task queues Turnout has declared: RabbitMQ cannot list queues without its management plugin. */
export class CreateTaskQueues1732200000300 implements MigrationInterface {
  name = 'CreateTaskQueues1732200000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      create table turnout_task_queues (
        queue_name text primary key,
        task_type text not null,
        domain text,
        first_seen_at timestamptz not null default now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('drop table turnout_task_queues');
  }
}
