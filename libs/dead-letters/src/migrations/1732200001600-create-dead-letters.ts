import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * turnout_dead_letters: the messages Turnout refused, for operators (GET
 * /api/admin/dead-letters), kept from the turnout.dead-letter queue by the
 * routers. Not derived from the event log: a refused message never reached
 * it. `letter_id` makes a redelivered dead letter one row; `id` orders them
 * (newest first) and bounds them (the newest DEAD_LETTERS_KEPT are kept).
 */
export class CreateDeadLetters1732200001600 implements MigrationInterface {
  name = 'CreateDeadLetters1732200001600';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      create table turnout_dead_letters (
        id bigint generated always as identity primary key,
        letter_id text not null unique,
        queue text not null,
        reason text not null,
        dead_lettered_at bigint not null,
        body bytea not null,
        properties jsonb not null
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('drop table turnout_dead_letters');
  }
}
