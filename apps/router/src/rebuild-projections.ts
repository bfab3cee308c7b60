import 'reflect-metadata';
import { loadConfig } from '@turnout/config';
import { openDatabase } from '@turnout/database';
import { rebuildProjections } from '@turnout/projections';
import { PROJECTIONS_SUBSCRIPTION, routerReadModels } from './projections/router-projections';

// As the runner's page, so a rebuild's statements stay the size the read models are tuned for.
const PAGE_SIZE = 500;

/**
 * `npm run rebuild-projections`: empties the routers' read models and applies
 * the log to them again, up to the runner's checkpoint, in one transaction
 * (rebuildProjections). Routers may run meanwhile: their runner, relay, timer
 * claims and searches wait for it. The child runs' reactions are not rebuilt and their
 * checkpoint is kept, so no child starts twice.
 */
async function rebuild(): Promise<void> {
  const config = loadConfig();
  const db = await openDatabase(config.databaseUrl, { log: (message) => console.log(message) });
  try {
    const startedAt = Date.now();
    const report = await rebuildProjections(db, routerReadModels(), {
      subscriptionName: PROJECTIONS_SUBSCRIPTION,
      pageSize: PAGE_SIZE,
      onProgress: (line) => console.log(line),
    });
    console.log(`projections rebuilt: ${report.events} events up to position ${report.upTo.globalPosition} in ${Date.now() - startedAt} ms`);
  } finally {
    await db.destroy();
  }
}

rebuild().catch((error: unknown) => {
  console.error(`rebuilding the projections failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
