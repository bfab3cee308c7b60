// Run by `npm test` before anything else: installs what the tests need beyond
// npm's packages, so that `npm ci && npm test` passes as written on a machine
// with only Node, PostgreSQL and RabbitMQ. Today that is a browser: the web
// UI's test (test/e2e/ui-browser.e2e-spec.ts) drives Debian's headless
// Chromium, which no npm package brings (playwright-core is the driver alone);
// and RabbitMQ's management plugin, through which the domain confinement test
// (test/e2e/domain-confinement.e2e-spec.ts) creates a confined user.
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

// The same default and override as libs/config (RABBITMQ_MANAGEMENT_URL).
const management = new URL(process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://guest:guest@127.0.0.1:15672');
const credentials = Buffer.from(`${decodeURIComponent(management.username)}:${decodeURIComponent(management.password)}`).toString('base64');
management.username = management.password = '';

async function managementAnswers() {
  try {
    const response = await fetch(new URL('/api/overview', management), { headers: { authorization: `Basic ${credentials}` }, signal: AbortSignal.timeout(3000) });
    return response.ok;
  } catch {
    return false;
  }
}

const enableCommand = 'rabbitmq-plugins enable rabbitmq_management';
const brokerOnThisMachine = spawnSync('rabbitmq-plugins', ['--help'], { stdio: 'ignore' }).error === undefined;

const managementUp = await managementAnswers();

if (!managementUp && !brokerOnThisMachine) {
  // Testcontainers' broker (which has the plugin) or a remote one, which cannot be enabled from here.
  console.log(`note: RabbitMQ's management API does not answer at ${management.origin}; the domain confinement test needs it ("${enableCommand}" on the broker, or RABBITMQ_MANAGEMENT_URL) unless Testcontainers starts the broker`);
} else if (!managementUp) {
  console.log(`enabling RabbitMQ's management plugin: nothing answers at ${management.origin} and the domain confinement test needs it`);
  if (!run('rabbitmq-plugins', ['enable', 'rabbitmq_management'])) {
    console.error(`enabling it failed: run "${enableCommand}" (as root or the rabbitmq user), then npm test again`);
    process.exit(1);
  }
  const deadline = Date.now() + 60_000;
  while (!(await managementAnswers())) {
    if (Date.now() > deadline) {
      console.error(`RabbitMQ's management API did not answer at ${management.origin} within 60 s of enabling the plugin`);
      process.exit(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
