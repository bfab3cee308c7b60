import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The worker presence projection: one row per task type, domain and worker.
 * `revision` lets readers follow changes incrementally.
 */
export class CreateWorkerPresence1732200000200 implements MigrationInterface {
  name = 'CreateWorkerPresence1732200000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('create sequence turnout_worker_presence_revision');
    await queryRunner.query(`
      create table turnout_worker_presence (
        task_type text not null,
        domain text not null,
        worker_id text not null,
        last_seen_at timestamptz not null,
        gone boolean not null,
        transport text not null,
        revision bigint not null default nextval('turnout_worker_presence_revision'),
        primary key (task_type, domain, worker_id)
      )`);
    await queryRunner.query('create index turnout_worker_presence_by_revision on turnout_worker_presence (revision)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('drop table turnout_worker_presence');
    await queryRunner.query('drop sequence turnout_worker_presence_revision');
  }
}
