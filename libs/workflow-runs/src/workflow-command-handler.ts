import {
  DomainError,
  NO_SCRIPT_EVALUATOR,
  type ScriptEvaluator,
  type WorkflowCommand,
  type WorkflowEvent,
  type WorkflowState,
  decide,
  evolve,
  foldEvents,
  workflowIdOfStream,
  workflowStreamId,
} from '@turnout/domain';
import { type NewEvent, type SqlRunner, type StoredEvent, VersionConflictError } from '@turnout/event-store';
import { type Tracing, activeTracing, traceMetadataOf } from '@turnout/tracing';
import { type LoadedWorkflow, loadWorkflow, workflowEventOf } from './load-workflow';
import { tracedDecision } from './traced-decision';

/** Appends with an expected version, or rejects with VersionConflictError (appendToStream, BatchedAppender). */
export interface StreamAppender {
  append(streamId: string, expectedVersion: number, events: readonly NewEvent[]): Promise<unknown>;
}

export interface WorkflowCommandHandlerOptions {
  /** Running workflows kept in memory between commands; 0 keeps none (every command reads its stream). */
  maxCachedRuns?: number;
  /** Tries before a run whose stream keeps moving is given up with the VersionConflictError. */
  maxAttempts?: number;
  /** The script sandbox (libs/sandbox) the decisions evaluate INLINE, JSON_JQ_TRANSFORM, SWITCH javascript and DO_WHILE with; absent: those tasks fail. */
  scripts?: ScriptEvaluator;
  /** The tracing its decisions' spans go to, asked at each decision (default: the process's, activeTracing). */
  tracing?: () => Tracing | undefined;
}

export interface HandleOptions {
  /**
   * Where the first try takes the run's state from: `cached` (this handler's
   * memory, else the stream), `fresh` (the stream: another process may have
   * written what the command depends on), or `new` (a run being started: empty,
   * version 0, nothing to read). A conflict always re-reads the stream.
   */
  read?: 'cached' | 'fresh' | 'new';
  /**
   * With tracing on: the span of what gave the command (a start, a result's
   * record), parent of the tasks it schedules; for a start, the run's trace
   * context. Without one, the run's own (a timer, an operator's action).
   */
  traceparent?: string;
}

export interface HandledCommand {
  /** What the command appended: none when it had nothing left to do (a duplicate). */
  events: WorkflowEvent[];
  /** The run after those events. */
  state: WorkflowState;
}

const DEFAULT_MAX_ATTEMPTS = 10;
const DEFAULT_MAX_CACHED_RUNS = 10_000;
const NEW_RUN: LoadedWorkflow = { state: { type: 'Empty' }, version: 0 };

/**
 * The one read-decide-append path of every command to a workflow run (start,
 * an HTTP worker's hold, a result, a timer that came due). It appends with the version it
 * decided on; when another writer got there first the append conflicts, and it
 * re-reads and decides again: two processes handling one run never both
 * schedule a task.
 *
 * Running workflows can be kept in memory with the version they were folded
 * from (the router does), so a task result costs one append (shared with
 * concurrent ones) instead of a read and an append. The cache is only a guess
 * that the expected version checks: a conflict drops the entry and re-reads.
 */
export class WorkflowCommandHandler {
  private readonly running = new Map<string, LoadedWorkflow>();
  /** Per run, the end of the last command given to this handler (settled either way). */
  private readonly turns = new Map<string, Promise<void>>();
  private readonly maxCachedRuns: number;
  private readonly maxAttempts: number;
  private readonly scripts: ScriptEvaluator;
  private readonly tracing: () => Tracing | undefined;

  constructor(
    private readonly db: SqlRunner,
    private readonly appender: StreamAppender,
    options: WorkflowCommandHandlerOptions = {},
  ) {
    this.maxCachedRuns = options.maxCachedRuns ?? DEFAULT_MAX_CACHED_RUNS;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.scripts = options.scripts ?? NO_SCRIPT_EVALUATOR;
    this.tracing = options.tracing ?? activeTracing;
  }

  /**
   * Committed events, as the relay reads the log: each starts a run's cached
   * state (version 1) or extends it when it is the next version; anything else
   * (another stream, a cache ahead, a missed event) is left alone. Runs started
   * by the api then cost no read when their first result arrives.
   */
  observeCommitted(events: readonly StoredEvent[]): void {
    if (this.maxCachedRuns === 0) return;
    for (const stored of events) {
      const workflowId = workflowIdOfStream(stored.streamId);
      if (workflowId === null) continue;
      const event = workflowEventOf(stored);
      const cached = this.running.get(workflowId);
      if (cached === undefined) {
        if (stored.streamVersion === 1) this.remember(workflowId, { state: evolve({ type: 'Empty' }, event), version: 1, traceparent: traceMetadataOf(stored.metadata) });
      } else if (cached.version === stored.streamVersion - 1) {
        this.remember(workflowId, { state: evolve(cached.state, event), version: stored.streamVersion, traceparent: cached.traceparent });
      }
    }
  }

  /**
   * Decides `commandFor(state)` on the run and appends what it decides; DomainError when it does not apply.
   * Commands to one run that this handler is given together take turns: the second decides on what the
   * first appended, instead of conflicting with it (a worker's IN_PROGRESS and its result come close).
   */
  handle(workflowId: string, commandFor: (state: WorkflowState) => WorkflowCommand, options: HandleOptions = {}): Promise<HandledCommand> {
    const previous = this.turns.get(workflowId);
    const handled = previous === undefined ? this.decideAndAppend(workflowId, commandFor, options) : previous.then(() => this.decideAndAppend(workflowId, commandFor, options));
    const turn = handled.then(
      () => undefined,
      () => undefined,
    );
    this.turns.set(workflowId, turn);
    void turn.then(() => {
      if (this.turns.get(workflowId) === turn) this.turns.delete(workflowId);
    });
    return handled;
  }

  private async decideAndAppend(
    workflowId: string,
    commandFor: (state: WorkflowState) => WorkflowCommand,
    { read = 'cached', traceparent }: HandleOptions,
  ): Promise<HandledCommand> {
    for (let attempt = 1; ; attempt += 1) {
      const guess = attempt > 1 ? undefined : read === 'new' ? NEW_RUN : read === 'cached' ? this.running.get(workflowId) : undefined;
      const loaded = guess ?? (await loadWorkflow(this.db, workflowId));
      let events: WorkflowEvent[];
      try {
        events = decide(commandFor(loaded.state), loaded.state, this.scripts);
      } catch (error) {
        // A refusal decided on a guess may only mean the guess is behind: never refuse
        // (dead-letter) on a guess. Read the stream and decide again.
        if (guess !== undefined && error instanceof DomainError) {
          this.running.delete(workflowId);
          continue;
        }
        throw error;
      }
      if (events.length === 0) {
        this.remember(workflowId, loaded);
        return { events, state: loaded.state };
      }
      // Tracing off: the events as decided, nothing else done.
      const tracing = this.tracing();
      const traced = tracing === undefined ? undefined : tracedDecision(tracing, workflowId, events, traceparent ?? loaded.traceparent);
      try {
        await this.appender.append(workflowStreamId(workflowId), loaded.version, traced?.events ?? events);
      } catch (error) {
        traced?.settle(error);
        this.running.delete(workflowId);
        if (!(error instanceof VersionConflictError) || attempt >= this.maxAttempts) throw error;
        continue;
      }
      traced?.settle();
      const state = foldEvents(events, loaded.state);
      this.remember(workflowId, { state, version: loaded.version + events.length, traceparent: traced?.runTraceparent ?? loaded.traceparent });
      return { events, state };
    }
  }

  get cachedRuns(): number {
    return this.running.size;
  }

  private remember(workflowId: string, loaded: LoadedWorkflow): void {
    if (this.maxCachedRuns === 0) return;
    // Concurrent handlers of one run finish in any order: never go back to an older version.
    const current = this.running.get(workflowId);
    if (current !== undefined && current.version > loaded.version) return;
    this.running.delete(workflowId);
    // Ended runs will not be asked about again, except by a late duplicate, which can read.
    if (loaded.state.type !== 'Running') return;
    this.running.set(workflowId, loaded);
    if (this.running.size > this.maxCachedRuns) {
      const oldest = this.running.keys().next().value as string;
      this.running.delete(oldest);
    }
  }
}
