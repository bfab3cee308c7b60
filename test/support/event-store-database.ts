import { EVENT_STORE_MIGRATIONS, createDataSource, runMigrations } from '@turnout/event-store';
import { type DatabaseFixture, type DatabaseLifetime, databaseFixture } from './database-fixture';

export interface EventStoreDatabaseOptions {
  poolSize: number;
  /** Migrations of other libraries whose tables the spec needs as well, run after the event store's. */
  alsoMigrate?: Parameters<typeof createDataSource>[1];
}

/** A database of its own, with the event store's schema, for every test of the enclosing describe block. */
export function eventStoreDatabaseForEachTest(label: string, options: EventStoreDatabaseOptions): DatabaseFixture {
  return eventStoreDatabase(label, 'each test', options);
}

/** One database with the event store's schema, shared by the tests of the enclosing describe block. */
export function eventStoreDatabaseForSuite(label: string, options: EventStoreDatabaseOptions): DatabaseFixture {
  return eventStoreDatabase(label, 'suite', options);
}

function eventStoreDatabase(label: string, lifetime: DatabaseLifetime, { poolSize, alsoMigrate = [] }: EventStoreDatabaseOptions): DatabaseFixture {
  return databaseFixture(label, lifetime, async (url) => {
    const db = createDataSource(url, [...EVENT_STORE_MIGRATIONS, ...alsoMigrate], { poolSize });
    await runMigrations(db);
    return db;
  });
}
