/**
 * Runs the examples as their npm scripts do (`npm run example:<name>` is
 * `npm run build:examples && node <entry>`): the examples are built once, then
 * each run starts `node <entry>` as a real process, with the signals going
 * straight to it as an orchestrator's would.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './wait-for';

const ROOT = join(__dirname, '..', '..');
const BUILD_SCRIPT = 'build:examples';

export type ExampleScript = 'example:hello-world' | 'example:doug' | 'example:slow-report';

export interface ExampleProcess {
  readonly pid: number;
  output(): string;
  /** Waits for the output to match; answers the match. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  signal(signal: NodeJS.Signals): void;
  /** Resolves when the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM if still running, then waits for the end. */
  stop(): Promise<void>;
}

/** Builds the examples the way the npm scripts do, once for a whole test file. */
export async function buildExamples(): Promise<void> {
  await promisify(execFile)('npm', ['run', '--silent', BUILD_SCRIPT], { cwd: ROOT });
}

/** The entry file an example's npm script runs after building, read from package.json. */
function entryOf(script: ExampleScript): string {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const match = /^npm run build:examples && node (\S+)$/.exec(scripts[script] ?? '');
  if (match === null) throw new Error(`package.json script ${script} is not "npm run ${BUILD_SCRIPT} && node <entry>": ${scripts[script]}`);
  return join(ROOT, match[1]);
}

export function startExample(script: ExampleScript, env: Record<string, string>): ExampleProcess {
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [entryOf(script)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let ended = false;
  void exited.then(() => (ended = true));
  return {
    pid: child.pid ?? -1,
    output: () => output,
    waitForOutput: (pattern, timeoutMs = 15_000) =>
      waitFor(
        `${script} to print ${pattern}`,
        () => {
          const match = pattern.exec(output);
          if (match === null && ended) throw new Error(`${script} ended:\n${output}`);
          return match;
        },
        { timeoutMs },
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n--- ${script} output ---\n${output}`);
      }),
    signal: (signal) => child.kill(signal),
    exited,
    async stop() {
      if (!ended) child.kill('SIGTERM');
      await exited;
    },
  };
}
