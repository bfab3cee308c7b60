import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { TURNOUT_MIGRATIONS } from './turnout-migrations';

// Any constant shared by every Turnout process: api and router may start together.
const MIGRATION_LOCK_KEY = 7_251_001;

export interface OpenDatabaseOptions {
  poolSize?: number;
  /** Run pending migrations before returning (the default). */
  migrate?: boolean;
  log?: (message: string) => void;
}

/**
 * Connects to Postgres and brings the schema up to date. Migrations run under
 * an advisory lock, so processes starting at once do not race each other.
 */
export async function openDatabase(databaseUrl: string, options: OpenDatabaseOptions = {}): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: databaseUrl,
    migrations: TURNOUT_MIGRATIONS,
    migrationsTableName: 'turnout_migrations',
    migrationsTransactionMode: 'each',
    extra: { max: options.poolSize ?? 10 },
    logging: false,
  });
  await dataSource.initialize();
  if (options.migrate ?? true) {
    try {
      await migrate(databaseUrl, dataSource, options.log);
    } catch (error) {
      await dataSource.destroy();
      throw error;
    }
  }
  return dataSource;
}

async function migrate(databaseUrl: string, dataSource: DataSource, log?: (message: string) => void): Promise<void> {
  const lock = new Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied) log?.(`applied migration ${migration.name}`);
  } finally {
    await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end();
  }
}
