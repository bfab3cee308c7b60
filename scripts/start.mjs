// `npm start`: runs the api and the router as two processes, says where
// everything is once both are up, stops both when either stops, and passes
// SIGINT/SIGTERM on so each shuts down cleanly.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Each process starts through run.mjs, which names the built entry points.
const run = join(root, 'scripts/run.mjs');
// The built libraries (npm start builds first), resolved as the apps resolve them.
const built = createRequire(join(root, 'dist/start.cjs'));
const { loadConfig } = built('@turnout/config');
const { isProcessReady, startupSummary, turnoutAddresses } = built('@turnout/logging');

const config = loadConfig();
const ready = new Map();

const children = ['api', 'router'].map((name) => {
  // An IPC channel beside the inherited output: each process says on it when it serves (announceReady).
  const child = spawn(process.execPath, [run, name], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'], env: process.env });
  child.on('message', (message) => {
    if (!isProcessReady(message)) return;
    ready.set(message.app, message);
    if (ready.size === children.length) announceUp();
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping Turnout`);
      stop(code ?? 1);
    } else if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) {
      process.exit(exitCode);
    }
  });
  return child;
});

function announceUp() {
  const addresses = turnoutAddresses(ready.get('api').port, ready.get('router').metricsPort);
  console.log(startupSummary(addresses, config.logFormat));
  // A program that started npm start (npm run demo) learns the addresses without reading the output.
  if (process.send !== undefined && process.connected) process.send({ kind: 'turnout.up', ...addresses });
}

let stopping = false;
let exitCode = 0;
function stop(code) {
  if (stopping) return;
  stopping = true;
  exitCode = code;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(exitCode), 15_000).unref();
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
