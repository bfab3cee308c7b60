import { DataSource, type Migration, MigrationExecutor } from 'typeorm';
import { ADVISORY_LOCK_KEYS } from './advisory-lock-keys';

export interface DataSourceOptions {
  /** Connections in the pool (default 10). */
  poolSize?: number;
}

/** The table TypeORM records applied migrations in; every Turnout data source shares it. */
export const MIGRATIONS_TABLE = 'turnout_migrations';

/** A Postgres data source for raw SQL: no entities, migrations run only when asked. */
export function createDataSource(databaseUrl: string, migrations: Function[], options: DataSourceOptions = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url: databaseUrl,
    migrations,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    migrationsRun: false,
    extra: { max: options.poolSize ?? 10 },
    logging: false,
  });
}

/**
 * Connects (if not yet connected) and applies pending migrations, each in a
 * transaction of its own. Processes starting at once take turns on an advisory
 * lock, so two of them never apply the same migration. Returns those applied.
 */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  if (!dataSource.isInitialized) await dataSource.initialize();
  // The lock and the migrations share one connection: the lock is per session.
  const queryRunner = dataSource.createQueryRunner();
  try {
    await queryRunner.query('select pg_advisory_lock($1)', [ADVISORY_LOCK_KEYS.migrations]);
    try {
      const executor = new MigrationExecutor(dataSource, queryRunner);
      executor.transaction = 'each';
      return await executor.executePendingMigrations();
    } finally {
      // A session that died has let go of the lock already.
      await queryRunner.query('select pg_advisory_unlock($1)', [ADVISORY_LOCK_KEYS.migrations]).catch(() => undefined);
    }
  } finally {
    await queryRunner.release();
  }
}
