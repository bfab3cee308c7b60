import type { DataSource } from 'typeorm';
import { EVENT_STORE_MIGRATIONS, createDataSource, runMigrations } from '@turnout/event-store';
import { type TestDatabase, createTestDatabase } from './services';

export interface EventStoreDatabaseOptions {
  poolSize: number;
  /** Migrations of other libraries whose tables the spec needs as well, run after the event store's. */
  alsoMigrate?: Parameters<typeof createDataSource>[1];
}

/** A fresh database with the event store's schema, readable once the hooks that made it have run. */
export interface EventStoreDatabase {
  readonly db: DataSource;
  readonly url: string;
}

/**
 * A database of its own for every test of the enclosing describe block.
 * Jest runs after-hooks in the order they are declared: a spec whose own cleanup
 * still needs the database declares it before calling this.
 */
export function eventStoreDatabaseForEachTest(label: string, options: EventStoreDatabaseOptions): EventStoreDatabase {
  return eventStoreDatabase(label, options, beforeEach, afterEach);
}

/** One database shared by the tests of the enclosing describe block (after-hooks: as above). */
export function eventStoreDatabaseForSuite(label: string, options: EventStoreDatabaseOptions): EventStoreDatabase {
  return eventStoreDatabase(label, options, beforeAll, afterAll);
}

function eventStoreDatabase(
  label: string,
  { poolSize, alsoMigrate = [] }: EventStoreDatabaseOptions,
  before: typeof beforeAll,
  after: typeof afterAll,
): EventStoreDatabase {
  let database: TestDatabase | undefined;
  let db: DataSource | undefined;
  before(async () => {
    database = await createTestDatabase(label);
    db = createDataSource(database.url, [...EVENT_STORE_MIGRATIONS, ...alsoMigrate], { poolSize });
    await runMigrations(db);
  });
  after(async () => {
    await db?.destroy();
    await database?.drop();
    db = undefined;
    database = undefined;
  });
  return {
    get db() {
      if (!db) throw new Error(`the ${label} database is there only while its tests run`);
      return db;
    },
    get url() {
      if (!database) throw new Error(`the ${label} database is there only while its tests run`);
      return database.url;
    },
  };
}
