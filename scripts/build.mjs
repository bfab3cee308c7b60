// `npm run build` and the benchmark's and examples' builds:
// `node scripts/build.mjs [tsconfig…]` (default: the api and the router).
// `tsc -b` compiles the libraries (libs/tsconfig.lib.json) first and once, into
// dist/node_modules/@turnout, then each project given; this script then adds
// what tsc does not write (docs/architecture.md, "Build").
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const API_PROJECT = 'apps/api/tsconfig.app.json';
const projects = process.argv.length > 2 ? process.argv.slice(2) : [API_PROJECT, 'apps/router/tsconfig.app.json'];

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-b', ...projects], { cwd: root, stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

// Each library is a package where Node looks for one, so `@turnout/<name>` and
// `@turnout/<name>/<file>` in built code resolve as tsconfig's paths do in the
// sources: plain `node`, no rewriting of imports.
const libraries = readdirSync(join(root, 'libs'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, 'libs', entry.name, 'src')))
  .map((entry) => entry.name);
for (const name of libraries) {
  const packageDir = join(root, 'dist/node_modules/@turnout', name);
  mkdirSync(packageDir, { recursive: true });
  const manifest = { name: `@turnout/${name}`, private: true, exports: { '.': './src/index.js', './*': './src/*.js' } };
  writeFileSync(join(packageDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

// The api serves its web UI from plain files beside its main.js (apps/api/src/main.ts).
if (projects.includes(API_PROJECT)) {
  cpSync(join(root, 'apps/api/src/ui'), join(root, 'dist/apps/api/ui'), { recursive: true });
}
