// Run by `npm test` before anything else: installs what the tests need beyond
// npm's packages, so that `npm ci && npm test` passes as written on a machine
// with only Node, PostgreSQL and RabbitMQ. Today that is a browser: the web
// UI's test (test/e2e/ui-browser.e2e-spec.ts) drives Debian's headless
// Chromium, which no npm package brings (playwright-core is the driver alone).
// Where it cannot install, it stops the run at once with one line saying what
// to run, rather than letting a ten-minute suite fail at its end.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// The same default and override as the browser test.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function run(command, args) {
  console.log(`$ ${command} ${args.join(' ')}`);
  return spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
}

const canInstall = process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;

if (!existsSync(chromium)) {
  if (!canInstall) {
    console.error(
      `Chromium is not at ${chromium} (the web UI's browser test needs it): run "sudo apt-get install -y chromium" or set CHROMIUM_PATH, then npm test again`,
    );
    process.exit(1);
  }
  console.log(`installing Chromium: ${chromium} is missing and the web UI's browser test needs it`);
  if (!(run('apt-get', ['update', '-qq']) && run('apt-get', ['install', '-y', '-qq', 'chromium']) && existsSync(chromium))) {
    console.error(`installing Chromium failed: run "apt-get install -y chromium" or set CHROMIUM_PATH, then npm test again`);
    process.exit(1);
  }
}
