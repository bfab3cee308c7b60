import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { TurnoutConfig } from '@turnout/config';
import { type ScriptEvaluator, type ScriptOutcome, describeFieldErrors, unstorableInputProblems } from '@turnout/domain';
import { SANDBOX_WORKER_SOURCE } from './sandbox-worker-source';

export interface SandboxLimits {
  /** Longest one evaluation may take; past it the evaluation fails and its thread is stopped. */
  timeLimitMs: number;
  /** Most memory one evaluation may allocate (QuickJS's runtime limit, and the cap on the thread's heap and WebAssembly memories). */
  memoryLimitMb: number;
}

/** How long the first load of the engines may take (start-up, not an evaluation). */
const LOAD_TIMEOUT_MS = 30_000;
/** Beyond the time limit, for QuickJS to stop itself (its interrupt handler) before the thread is stopped. */
const GRACE_MS = 100;

type Request = { kind: 'javascript'; expression: string; input: Record<string, unknown> } | { kind: 'jq'; query: string; input: unknown };

/** One sandbox thread: its channel and the counters it signals on. */
interface SandboxThread {
  worker: Worker;
  port: MessagePort;
  signal: Int32Array;
}

/**
 * Evaluates INLINE and SWITCH javascript, DO_WHILE conditions (QuickJS) and
 * JSON_JQ_TRANSFORM queries (jq), both compiled to WebAssembly, in a worker
 * thread with no environment, no modules, no files and no network: a script
 * sees its `$` input and nothing of the process. Evaluation is synchronous
 * (the caller blocks on Atomics.wait for at most the time limit), so a
 * decision can complete a script's task in the step that schedules it. An
 * evaluation past its time limit fails and its thread is terminated (an
 * endless jq cannot be interrupted any other way); a fresh thread is started.
 */
export class ScriptSandbox implements ScriptEvaluator {
  private thread: SandboxThread;
  /** Loaded beside the one in use, to take its place at once when it is stopped (a script after a hostile one is not kept waiting). */
  private spare: SandboxThread;
  private closed = false;

  private constructor(private readonly limits: SandboxLimits) {
    this.thread = this.startThread();
    this.spare = this.startThread();
  }

  /** Starts the sandbox thread and waits for its engines to load. */
  static async load(limits: SandboxLimits): Promise<ScriptSandbox> {
    const sandbox = new ScriptSandbox(limits);
    const deadline = Date.now() + LOAD_TIMEOUT_MS;
    // Waited for without blocking: start-up goes on beside it.
    while (Atomics.load(sandbox.thread.signal, 1) === 0) {
      if (Date.now() > deadline) {
        await sandbox.close();
        throw new Error(`the script sandbox did not load within ${LOAD_TIMEOUT_MS} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return sandbox;
  }

  javascript(expression: string, input: Record<string, unknown>): ScriptOutcome {
    return this.evaluate({ kind: 'javascript', expression, input });
  }

  jq(query: string, input: unknown): ScriptOutcome<unknown[]> {
    return this.evaluate({ kind: 'jq', query, input }) as ScriptOutcome<unknown[]>;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.thread.worker.terminate(), this.spare.worker.terminate()]);
  }

  private evaluate(request: Request): ScriptOutcome {
    if (this.closed) return { ok: false, reason: 'the script sandbox is closed' };
    const { signal, port } = this.thread;
    // A thread started after the last one was stopped may still be loading: wait for it, within the limit.
    if (Atomics.load(signal, 1) === 0 && Atomics.wait(signal, 1, 0, this.limits.timeLimitMs) === 'timed-out') {
      return { ok: false, reason: 'the script sandbox is restarting after earlier evaluations were stopped: try again' };
    }
    const answered = Atomics.load(signal, 0);
    port.postMessage(request);
    if (Atomics.wait(signal, 0, answered, this.limits.timeLimitMs + GRACE_MS) === 'timed-out') {
      this.restart();
      return { ok: false, reason: `it did not finish within ${this.limits.timeLimitMs} ms (SANDBOX_TIME_LIMIT_MS)` };
    }
    const reply = receiveMessageOnPort(port)?.message as ScriptOutcome | undefined;
    if (reply === undefined) {
      this.restart();
      return { ok: false, reason: 'the script sandbox gave no answer' };
    }
    // The thread exits after an answer that left its engine in doubt; it is replaced now.
    if (Atomics.load(signal, 2) === 1) this.restart();
    return reply.ok ? storable(reply) : reply;
  }

  private restart(): void {
    const { worker, port } = this.thread;
    port.close();
    void worker.terminate();
    this.thread = this.spare;
    this.spare = this.startThread();
  }

  private startThread(): SandboxThread {
    const signal = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
    const { port1, port2 } = new MessageChannel();
    const memoryLimitBytes = this.limits.memoryLimitMb * 1024 * 1024;
    const worker = new Worker(SANDBOX_WORKER_SOURCE, {
      eval: true,
      // Nothing of the process's environment, and a heap of its own, bounded.
      env: {},
      resourceLimits: { maxOldGenerationSizeMb: Math.max(64, this.limits.memoryLimitMb * 2), maxYoungGenerationSizeMb: 16 },
      stdout: true,
      stderr: true,
      workerData: {
        signal: signal.buffer,
        port: port2,
        quickjsCorePath: require.resolve('quickjs-emscripten-core'),
        quickjsVariantPath: require.resolve('@jitl/quickjs-wasmfile-release-sync'),
        jqPath: require.resolve('jq-wasm/dist/build/jq.js'),
        timeLimitMs: this.limits.timeLimitMs,
        memoryLimitBytes,
      },
      transferList: [port2],
    });
    // What the engines print (jq's "Aborted()") says nothing the reason does not.
    worker.stdout.resume();
    worker.stderr.resume();
    // A thread that exits (after an engine abort, or when stopped) is replaced on the next evaluation.
    worker.on('exit', () => Atomics.store(signal, 2, 1));
    worker.on('error', () => Atomics.store(signal, 2, 1));
    worker.unref();
    return { worker, port: port1, signal };
  }
}

/** The sandbox with the configured limits (SANDBOX_TIME_LIMIT_MS, SANDBOX_MEMORY_LIMIT_MB), loaded: what each app builds its command handler with. */
export const loadScriptSandbox = (config: Pick<TurnoutConfig, 'sandboxTimeLimitMs' | 'sandboxMemoryLimitMb'>): Promise<ScriptSandbox> =>
  ScriptSandbox.load({ timeLimitMs: config.sandboxTimeLimitMs, memoryLimitMb: config.sandboxMemoryLimitMb });

/**
 * A script's value goes into the log as it is: text PostgreSQL cannot store
 * (`String.fromCharCode(0)`) would fail the append of every decision that
 * reaches the script, so the script fails instead, saying why.
 */
function storable(outcome: { ok: true; value: unknown }): ScriptOutcome {
  const unstorable = unstorableInputProblems(outcome.value, 'result');
  return unstorable.length === 0 ? outcome : { ok: false, reason: `its result cannot be stored: ${describeFieldErrors(unstorable)}` };
}
