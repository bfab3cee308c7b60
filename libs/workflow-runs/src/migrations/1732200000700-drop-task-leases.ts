import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CreateTaskLeases1732200000400 } from './1732200000400-create-task-leases';

/** HTTP workers' holds time out through durable timers (turnout_timers) now, like every other deadline. */
export class DropTaskLeases1732200000700 implements MigrationInterface {
  name = 'DropTaskLeases1732200000700';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('drop table turnout_task_leases');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await new CreateTaskLeases1732200000400().up(queryRunner);
  }
}
