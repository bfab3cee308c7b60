import type { DataSource } from 'typeorm';
import { openDatabase } from '@turnout/database';
import { type TestDatabase, createTestDatabase } from './services';

/** A fresh database with Turnout's schema, for integration specs of SQL operations. */
export async function createMigratedDatabase(label: string): Promise<{ database: TestDatabase; db: DataSource; close(): Promise<void> }> {
  const database = await createTestDatabase(label);
  const db = await openDatabase(database.url, { poolSize: 4 });
  return {
    database,
    db,
    async close() {
      await db.destroy();
      await database.drop();
    },
  };
}
