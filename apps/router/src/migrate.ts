import 'reflect-metadata';
import { loadConfig } from '@turnout/config';
import { openDatabase } from '@turnout/database';

/** `npm run migrate`: brings the schema up to date and exits (the apps also do it on start). */
async function migrate(): Promise<void> {
  const config = loadConfig();
  const db = await openDatabase(config.databaseUrl, { log: (message) => console.log(message) });
  await db.destroy();
  console.log('schema is up to date');
}

migrate().catch((error: unknown) => {
  console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
