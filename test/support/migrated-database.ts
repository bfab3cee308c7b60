import { openDatabase } from '@turnout/database';
import { type DatabaseFixture, databaseFixture } from './database-fixture';

/**
 * A fresh database with Turnout's schema, shared by the tests of the enclosing
 * describe block, for integration specs of SQL operations.
 */
export function migratedDatabaseForSuite(label: string): DatabaseFixture {
  return databaseFixture(label, 'suite', (url) => openDatabase(url, { poolSize: 4 }));
}
