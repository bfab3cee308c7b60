// `npm start`: runs the api and the router as two processes, stops both when
// either stops, and passes SIGINT/SIGTERM on so each shuts down cleanly.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

// Each process starts through run.mjs, which names the built entry points.
const run = join(dirname(fileURLToPath(import.meta.url)), 'run.mjs');

const children = ['api', 'router'].map((name) => {
  const child = spawn(process.execPath, [run, name], { stdio: 'inherit', env: process.env });
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
