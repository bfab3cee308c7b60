import type { DataSource } from 'typeorm';
import { createDataSource, runMigrations } from '@turnout/event-store';
import { TURNOUT_MIGRATIONS } from './turnout-migrations';

export interface OpenDatabaseOptions {
  poolSize?: number;
  /** Run pending migrations before returning (the default). */
  migrate?: boolean;
  log?: (message: string) => void;
}

/**
 * Connects to Postgres and brings Turnout's whole schema up to date, through
 * the event store's one migration runner (processes starting at once take turns).
 */
export async function openDatabase(databaseUrl: string, options: OpenDatabaseOptions = {}): Promise<DataSource> {
  const dataSource = createDataSource(databaseUrl, TURNOUT_MIGRATIONS, { poolSize: options.poolSize });
  await dataSource.initialize();
  if (options.migrate ?? true) {
    try {
      const applied = await runMigrations(dataSource);
      for (const migration of applied) options.log?.(`applied migration ${migration.name}`);
    } catch (error) {
      await dataSource.destroy();
      throw error;
    }
  }
  return dataSource;
}
