import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What Turnout keeps of task attempts beside the runs' streams.
 * turnout_task_summaries: one row per attempt, folded from the log (a
 * projection): a task id alone names no stream, and Conductor's task search
 * and GET /api/tasks/{taskId} start from one. turnout_task_logs: the lines a
 * worker logged for an attempt (Conductor's TaskExecLog), written by the api
 * and never derived from the log. Times are epoch ms, as in the events.
 */
export class CreateTaskExecutions1732200001500 implements MigrationInterface {
  name = 'CreateTaskExecutions1732200001500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      create table turnout_task_summaries (
        task_id text primary key,
        workflow_id text not null,
        workflow_type text not null,
        task_type text not null,
        reference_task_name text not null,
        domain text,
        status text not null,
        retry_count integer not null,
        scheduled_time bigint not null,
        start_time bigint,
        end_time bigint,
        update_time bigint not null,
        reason_for_incompletion text,
        worker_id text,
        scheduled_version integer not null,
        stream_version integer not null
      ) with (fillfactor = 80)`);
    // Every attempt is written as it is scheduled and again as it ends: no index on what changes (status,
    // times), and room on each page, keep the second write a HOT update. Search by status or type reads the
    // newest first by scheduled time and filters (rare reads, against a write per attempt).
    await queryRunner.query('create index turnout_task_summaries_by_workflow on turnout_task_summaries (workflow_id, scheduled_version)');
    await queryRunner.query('create index turnout_task_summaries_by_scheduled on turnout_task_summaries (scheduled_time desc, task_id)');
    await queryRunner.query(`
      create table turnout_task_logs (
        id bigint generated always as identity primary key,
        task_id text not null,
        log text not null,
        created_time bigint not null
      )`);
    await queryRunner.query('create index turnout_task_logs_by_task on turnout_task_logs (task_id, id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('drop table turnout_task_logs');
    await queryRunner.query('drop table turnout_task_summaries');
  }
}
