// `node scripts/run.mjs <api|router|migrate|rebuild-projections|grant-domain>`: runs one of Turnout's built
// processes. The entry points are named here and nowhere else; npm start,
// npm run migrate, npm run rebuild-projections, the Dockerfile, the compose file and the benchmark all
// start processes through this file. The process runs in this one (no child),
// so signals and the exit code are its own.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ENTRY_POINTS = {
  api: 'dist/apps/api/main.js',
  router: 'dist/apps/router/main.js',
  migrate: 'dist/apps/router/migrate.js',
  'grant-domain': 'dist/apps/router/grant-domain.js',
  'rebuild-projections': 'dist/apps/router/rebuild-projections.js',
};

const name = process.argv[2] ?? '';
if (!Object.hasOwn(ENTRY_POINTS, name)) {
  console.error(`usage: node scripts/run.mjs <${Object.keys(ENTRY_POINTS).join('|')}> (not "${name}")`);
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await import(pathToFileURL(join(root, ENTRY_POINTS[name])).href);
