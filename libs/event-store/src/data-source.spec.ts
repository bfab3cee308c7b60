import type { DataSource } from 'typeorm';
import { type TestDatabase, createTestDatabase } from '../../../test/support/services';
import { MIGRATIONS_TABLE, createDataSource, runMigrations } from './data-source';
import { EVENT_STORE_MIGRATIONS } from './migrations/1732200000000-create-event-store';

describe('createDataSource / runMigrations', () => {
  let database: TestDatabase;
  const dataSources: DataSource[] = [];
  beforeEach(async () => {
    database = await createTestDatabase('data_source');
  });
  afterEach(async () => {
    for (const dataSource of dataSources.splice(0)) if (dataSource.isInitialized) await dataSource.destroy();
    await database?.drop();
  });

  function dataSource(poolSize?: number): DataSource {
    const created = createDataSource(database.url, EVENT_STORE_MIGRATIONS, { poolSize });
    dataSources.push(created);
    return created;
  }

  const tables = async (db: DataSource) =>
    (await db.query("select tablename from pg_tables where schemaname = 'public' order by tablename")).map((row: { tablename: string }) => row.tablename);

  it('builds the event store schema once, and records what it applied', async () => {
    const db = dataSource();

    const applied = await runMigrations(db);
    const again = await runMigrations(db);

    expect(applied.map((migration) => migration.name)).toEqual(['CreateEventStore1732200000000', 'EventsWithoutParallelScans1732200000500']);
    expect(again).toEqual([]);
    expect(await tables(db)).toEqual([MIGRATIONS_TABLE, 'turnout_events', 'turnout_subscriptions'].sort());
  });

  it('lets processes that start at once migrate without tripping over each other', async () => {
    const applied = await Promise.all([runMigrations(dataSource()), runMigrations(dataSource()), runMigrations(dataSource())]);

    expect(applied.map((migrations) => migrations.length).sort()).toEqual([0, 0, EVENT_STORE_MIGRATIONS.length]);
  });

  it('undoes the event store migrations, dropping its tables', async () => {
    const db = dataSource();
    await runMigrations(db);

    for (const _ of EVENT_STORE_MIGRATIONS) await db.undoLastMigration();

    expect(await tables(db)).toEqual([MIGRATIONS_TABLE]);
  });

  it('sizes the connection pool as asked', () => {
    expect(dataSource(3).options).toMatchObject({ type: 'postgres', extra: { max: 3 }, migrationsRun: false });
  });
});
