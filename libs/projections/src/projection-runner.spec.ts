import { Client } from 'pg';
import type { WorkflowEvent } from '@turnout/domain';
import { type SqlRunner, appendToStream } from '@turnout/event-store';
import { CreateTimers1732200000600, timersProjection } from '@turnout/timers';
import { eventStoreDatabaseForEachTest } from '../../../test/support/event-store-database';
import { timerRows } from '../../../test/support/timer-rows';
import { waitFor } from '../../../test/support/wait-for';
import type { Projection } from './projection';
import { type ProjectionRunnerOptions, ProjectionRunner, type TransactionalDb } from './projection-runner';

const SUBSCRIPTION = 'projections';

const counted = (token: string) => ({ type: 'Counted', data: { token } });

describe('ProjectionRunner', () => {
  const runners: ProjectionRunner[] = [];
  // Declared before the database: after-hooks run in declaration order, and the runners still use it.
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
  });
  const store = eventStoreDatabaseForEachTest('projections', { poolSize: 5, alsoMigrate: [CreateTimers1732200000600] });

  /** The test database, its statements seen by `watch` as they start. */
  function transactionalDb(watch: (sql: string) => void = () => undefined): TransactionalDb {
    return {
      query: (sql, parameters) => {
        watch(sql);
        return store.db.query(sql, parameters);
      },
      transaction: (work) => store.db.transaction((manager) => work({ query: (sql: string, parameters?: unknown[]) => (watch(sql), manager.query(sql, parameters)) })),
    };
  }

  function runnerOf(projections: readonly Projection[], overrides: Partial<ProjectionRunnerOptions> = {}): ProjectionRunner {
    const runner = new ProjectionRunner({
      databaseUrl: store.url,
      db: transactionalDb(),
      projections,
      subscriptionName: SUBSCRIPTION,
      lockKey: 43,
      batchSize: 5,
      pollMs: 100,
      ...overrides,
    });
    runners.push(runner);
    return runner;
  }

  /** A projection that keeps the tokens it was given in a table of its own (idempotent), and says what it saw. */
  async function tokenProjection(name: string): Promise<Projection & { pages: string[][] }> {
    const table = `seen_by_${name}`;
    await store.db.query(`create table ${table} (token text primary key)`);
    const pages: string[][] = [];
    return {
      name,
      pages,
      async apply(tx, events) {
        const tokens = events.map((event) => event.data.token as string);
        pages.push(tokens);
        await tx.query(`insert into ${table} (token) select unnest($1::text[]) on conflict do nothing`, [tokens]);
      },
    };
  }

  const tokensIn = async (name: string): Promise<string[]> =>
    (await store.db.query(`select token from seen_by_${name} order by token`)).map((row: { token: string }) => row.token);

  const storedCheckpoint = async (): Promise<Array<{ transaction_id: string; global_position: string }>> =>
    store.db.query('select last_transaction_id::text as transaction_id, last_position::text as global_position from turnout_subscriptions where name = $1', [SUBSCRIPTION]);

  const lastEvent = async (): Promise<{ transaction_id: string; global_position: string }> =>
    (await store.db.query('select transaction_id::text, global_position::text from turnout_events event order by event.transaction_id desc, event.global_position desc limit 1'))[0];

  it('applies every committed page to each projection, in commit order, and stores its checkpoint with it', async () => {
    const [first, second] = [await tokenProjection('first'), await tokenProjection('second')];
    const runner = runnerOf([first, second]);
    await runner.start();
    const tokens = Array.from({ length: 12 }, (_, n) => `t${String(n).padStart(2, '0')}`);
    for (let n = 0; n < tokens.length; n += 4) await appendToStream(store.db, 'stream', n, tokens.slice(n, n + 4).map(counted));

    await waitFor('every event applied', () => runner.appliedCount === tokens.length);
    expect(await tokensIn('first')).toEqual(tokens);
    expect(await tokensIn('second')).toEqual(tokens);
    expect(first.pages.flat()).toEqual(tokens);
    expect(first.pages).toEqual(second.pages);
    expect(await storedCheckpoint()).toEqual([await lastEvent()]);
  });

  it('stores no checkpoint, and keeps nothing of the page, while one projection of it fails; it carries on once that passes', async () => {
    const kept = await tokenProjection('kept');
    let failing = true;
    const failingProjection: Projection = {
      name: 'fussy',
      apply: async () => {
        if (failing) throw new Error('not today');
      },
    };
    const lines: string[] = [];
    const logger = { log: () => undefined, warn: () => undefined, error: (line: string) => lines.push(line) };
    const runner = runnerOf([kept, failingProjection], { logger });
    await runner.start();
    await appendToStream(store.db, 'stream', 0, [counted('a'), counted('b')]);

    await waitFor('the page to fail twice', () => lines.filter((line) => line.includes('projection fussy failed: not today')).length >= 2, { timeoutMs: 10_000 });
    expect(await tokensIn('kept')).toEqual([]);
    expect(await storedCheckpoint()).toEqual([]);
    expect(kept.pages.length).toBeGreaterThanOrEqual(2);

    failing = false;
    await waitFor('the page applied', async () => (await tokensIn('kept')).length === 2, { timeoutMs: 15_000 });
    expect(await storedCheckpoint()).toEqual([await lastEvent()]);
  });

  it('changes nothing in the timers when a page comes again (a checkpoint lost, the log read anew)', async () => {
    const started: WorkflowEvent = { type: 'TaskStarted', data: { taskId: 't1', workerId: 'w', startTime: 1, responseTimeoutAt: 1_700_000_000_000, timeoutAt: 1_700_000_500_000 } };
    const completed: WorkflowEvent = { type: 'TaskCompleted', data: { taskId: 't1', outputData: {}, workerId: 'w', endTime: 2 } };
    const retried: WorkflowEvent = { type: 'TaskStarted', data: { taskId: 't2', workerId: 'w', startTime: 3, responseTimeoutAt: 1_700_000_100_000, timeoutAt: null } };
    await appendToStream(store.db, 'workflow-again', 0, [started]);
    await appendToStream(store.db, 'workflow-again', 1, [completed, retried]);
    await appendToStream(store.db, 'workflow-other', 0, [started]);

    const first = runnerOf([timersProjection]);
    await first.start();
    await waitFor('the log applied', () => first.appliedCount === 4);
    await first.stop();
    const once = await timerRows(store.db);

    await store.db.query('delete from turnout_subscriptions where name = $1', [SUBSCRIPTION]);
    const again = runnerOf([timersProjection], { batchSize: 1 });
    await again.start();
    await waitFor('the log applied again, a page at a time', () => again.appliedCount === 4);
    expect(await timerRows(store.db)).toEqual(once);
    expect(once.map((timer) => `${timer.workflowId}/${timer.kind}/${timer.taskId}`)).toEqual(['again/RESPONSE_TIMEOUT/t2', 'other/RESPONSE_TIMEOUT/t1', 'other/TASK_TIMEOUT/t1']);
  });

  it('does not skip an event that commits after a later one: it waits for it, then applies both in commit order', async () => {
    const projection = await tokenProjection('late');
    // Each read of the log, as it starts.
    const reads: number[] = [];
    const runner = runnerOf([projection], { db: transactionalDb((sql) => sql.includes('from turnout_events') && reads.push(Date.now())) });
    await runner.start();
    await appendToStream(store.db, 'early', 0, [counted('early')]);
    await waitFor('the first event', () => runner.appliedCount === 1);

    const slow = new Client({ connectionString: store.url });
    await slow.connect();
    try {
      const slowRunner: SqlRunner = { query: async (sql, parameters) => (await slow.query(sql, parameters)).rows };
      await slow.query('begin');
      await appendToStream(slowRunner, 'slow', 0, [counted('slow')]);
      await appendToStream(store.db, 'quick', 0, [counted('quick')]);
      const quickCommittedAt = Date.now();
      // Two reads that started after the quick event committed: it was there to be read, and was held back.
      await waitFor('two reads after the quick commit', () => reads.filter((at) => at > quickCommittedAt).length >= 2, { timeoutMs: 10_000 });
      expect(projection.pages.flat()).toEqual(['early']);
      await slow.query('commit');
    } finally {
      await slow.end();
    }

    await waitFor('both later events', () => runner.appliedCount === 3);
    expect(projection.pages.flat()).toEqual(['early', 'slow', 'quick']);
  });

  it('keeps one runner of a database active; when it stops, the waiting one takes over from its checkpoint', async () => {
    const projection = await tokenProjection('handover');
    const pair = [runnerOf([projection]), runnerOf([projection])];
    await Promise.all(pair.map((runner) => runner.start()));
    const active = await waitFor('a runner to take the lock', () => pair.find((runner) => runner.isActive()));
    const waiting = pair.find((runner) => runner !== active)!;
    await appendToStream(store.db, 'stream', 0, [counted('before')]);
    await waitFor('the first event', () => active.appliedCount === 1);

    await active.stop();
    await waitFor('the waiting runner to take over', () => waiting.isActive());
    await appendToStream(store.db, 'stream', 1, [counted('after')]);
    await waitFor('the event after the handover', () => waiting.appliedCount === 1);
    expect(projection.pages).toEqual([['before'], ['after']]);
  });
});

