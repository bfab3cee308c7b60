import type { DataSource } from 'typeorm';
import { openDatabase } from '@turnout/database';
import { type TestDatabase, createTestDatabase } from './services';

/** A database with Turnout's schema, readable once the hooks that made it have run. */
export interface MigratedDatabase {
  readonly database: TestDatabase;
  readonly db: DataSource;
}

/**
 * A fresh database with Turnout's schema, shared by the tests of the enclosing
 * describe block, for integration specs of SQL operations. Jest runs after-hooks
 * in the order they are declared: a spec whose own cleanup still needs the
 * database declares it before calling this.
 */
export function migratedDatabaseForSuite(label: string): MigratedDatabase {
  let database: TestDatabase | undefined;
  let db: DataSource | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(label);
    db = await openDatabase(database.url, { poolSize: 4 });
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
    db = undefined;
    database = undefined;
  });
  return {
    get database() {
      if (!database) throw new Error(`the ${label} database is there only while its tests run`);
      return database;
    },
    get db() {
      if (!db) throw new Error(`the ${label} database is there only while its tests run`);
      return db;
    },
  };
}
