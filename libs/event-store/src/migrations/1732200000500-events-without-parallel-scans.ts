import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The log is read in short index scans (a relay page, a stream). As it grows,
 * the planner came to run the relay's page read as a parallel scan: two worker
 * processes forked for every page, hundreds a second, which took a third of a
 * 2-core machine and tripled the time from a start to its worker. No query on
 * this table gains from parallel workers, so it never gets any.
 */
export class EventsWithoutParallelScans1732200000500 implements MigrationInterface {
  name = 'EventsWithoutParallelScans1732200000500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('alter table turnout_events set (parallel_workers = 0)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('alter table turnout_events reset (parallel_workers)');
  }
}
