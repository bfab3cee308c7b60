import type { DataSource } from 'typeorm';
import { type TestDatabase, createTestDatabase } from './services';

/** A fresh test database and its open data source, readable once the hooks that made them have run. */
export interface DatabaseFixture {
  readonly database: TestDatabase;
  readonly db: DataSource;
  readonly url: string;
}

/** How long one database lives: for every test of the enclosing describe block, or for all of them together. */
export type DatabaseLifetime = 'each test' | 'suite';

/**
 * Registers the Jest hooks that create a database, open it with `open` (which also
 * migrates it), and afterwards close and drop it. Jest runs after-hooks in the order
 * they are declared: a spec whose own cleanup still needs the database declares it
 * before calling this.
 */
export function databaseFixture(label: string, lifetime: DatabaseLifetime, open: (url: string) => Promise<DataSource>): DatabaseFixture {
  const [before, after] = lifetime === 'each test' ? [beforeEach, afterEach] : [beforeAll, afterAll];
  let database: TestDatabase | undefined;
  let db: DataSource | undefined;
  before(async () => {
    database = await createTestDatabase(label);
    db = await open(database.url);
  });
  after(async () => {
    await db?.destroy();
    await database?.drop();
    db = undefined;
    database = undefined;
  });
  const absent = () => new Error(`the ${label} database is there only while its tests run`);
  return {
    get database() {
      if (!database) throw absent();
      return database;
    },
    get db() {
      if (!db) throw absent();
      return db;
    },
    get url() {
      if (!database) throw absent();
      return database.url;
    },
  };
}
