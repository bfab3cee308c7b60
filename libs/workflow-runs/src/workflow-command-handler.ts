import {
  DomainError,
  type WorkflowCommand,
  type WorkflowEvent,
  type WorkflowState,
  decide,
  evolve,
  foldEvents,
  workflowIdOfStream,
  workflowStreamId,
} from '@turnout/domain';
import { type BatchedAppender, type SqlRunner, type StoredEvent, VersionConflictError } from '@turnout/event-store';
import { type LoadedWorkflow, loadWorkflow, workflowEventOf } from './load-workflow';

const MAX_ATTEMPTS = 10;

/**
 * handleWorkflowCommand for the router's hot path: running workflows are kept
 * in memory with the stream version they were folded from, so a task result
 * costs one append (shared with concurrent ones) instead of a read and an
 * append. The cache is only a guess: every append still carries the expected
 * version, and a conflict (another router wrote) drops the entry and re-reads.
 */
export class WorkflowCommandHandler {
  private readonly running = new Map<string, LoadedWorkflow>();

  constructor(
    private readonly db: SqlRunner,
    private readonly appender: BatchedAppender,
    private readonly maxCached = 10_000,
  ) {}

  /**
   * Committed events, as the relay reads the log: each starts a run's cached
   * state (version 1) or extends it when it is the next version; anything else
   * (another stream, a cache ahead, a missed event) is left alone. Runs started
   * by the api then cost no read when their first result arrives.
   */
  observeCommitted(events: readonly StoredEvent[]): void {
    for (const stored of events) {
      const workflowId = workflowIdOfStream(stored.streamId);
      if (workflowId === null) continue;
      const event = workflowEventOf(stored);
      const cached = this.running.get(workflowId);
      if (cached === undefined) {
        if (stored.streamVersion === 1) this.remember(workflowId, { state: evolve({ type: 'Empty' }, event), version: 1 });
      } else if (cached.version === stored.streamVersion - 1) {
        this.remember(workflowId, { state: evolve(cached.state, event), version: stored.streamVersion });
      }
    }
  }

  /**
   * `readFresh`: for a command that may find nothing to do on a stale state (a
   * timeout the api's TaskStarted made due), read the stream instead of the cache.
   */
  async handle(
    workflowId: string,
    commandFor: (state: WorkflowState) => WorkflowCommand,
    { readFresh = false }: { readFresh?: boolean } = {},
  ): Promise<WorkflowEvent[]> {
    for (let attempt = 1; ; attempt += 1) {
      const cached = readFresh && attempt === 1 ? undefined : this.running.get(workflowId);
      const loaded = cached ?? (await loadWorkflow(this.db, workflowId));
      let events: WorkflowEvent[];
      try {
        events = decide(commandFor(loaded.state), loaded.state);
      } catch (error) {
        // A refusal decided on a cached state may only mean the cache is behind: never
        // refuse (dead-letter) on a guess. Read the stream and decide again.
        if (cached !== undefined && error instanceof DomainError) {
          this.running.delete(workflowId);
          continue;
        }
        throw error;
      }
      if (events.length === 0) {
        this.remember(workflowId, loaded);
        return events;
      }
      try {
        await this.appender.append(workflowStreamId(workflowId), loaded.version, events);
        this.remember(workflowId, { state: foldEvents(events, loaded.state), version: loaded.version + events.length });
        return events;
      } catch (error) {
        this.running.delete(workflowId);
        if (!(error instanceof VersionConflictError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  get cachedRuns(): number {
    return this.running.size;
  }

  private remember(workflowId: string, loaded: LoadedWorkflow): void {
    // Concurrent handlers of one run finish in any order: never go back to an older version.
    const current = this.running.get(workflowId);
    if (current !== undefined && current.version > loaded.version) return;
    this.running.delete(workflowId);
    // Ended runs will not be asked about again, except by a late duplicate, which can read.
    if (loaded.state.type !== 'Running') return;
    this.running.set(workflowId, loaded);
    if (this.running.size > this.maxCached) {
      const oldest = this.running.keys().next().value as string;
      this.running.delete(oldest);
    }
  }
}
