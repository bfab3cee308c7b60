import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The search projection: one row per run, folded from its stream. Times are
 * epoch ms, as in the events. `waiting_domains` holds the domains of the run's
 * open tasks, so "which runs wait on this pool" is one index lookup.
 */
export class CreateWorkflowSummaries1732200000900 implements MigrationInterface {
  name = 'CreateWorkflowSummaries1732200000900';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      create table turnout_workflow_summaries (
        workflow_id text primary key,
        stream_version integer not null,
        workflow_type text not null,
        version integer not null,
        correlation_id text,
        status text not null,
        start_time bigint not null,
        update_time bigint not null,
        end_time bigint,
        input jsonb not null,
        output jsonb,
        reason_for_incompletion text,
        failed_reference_task_names text[] not null,
        failed_task_names text[] not null,
        attempts jsonb not null,
        waiting_domains text[] not null
      )`);
    await queryRunner.query('create index turnout_workflow_summaries_by_start on turnout_workflow_summaries (start_time desc, workflow_id)');
    await queryRunner.query('create index turnout_workflow_summaries_by_type on turnout_workflow_summaries (workflow_type, start_time desc)');
    await queryRunner.query('create index turnout_workflow_summaries_by_status on turnout_workflow_summaries (status, start_time desc)');
    await queryRunner.query('create index turnout_workflow_summaries_by_correlation on turnout_workflow_summaries (correlation_id)');
    await queryRunner.query('create index turnout_workflow_summaries_by_waiting_domain on turnout_workflow_summaries using gin (waiting_domains)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('drop table turnout_workflow_summaries');
  }
}
