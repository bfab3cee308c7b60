import * as amqp from 'amqplib';
import { Client } from 'pg';
import { type NewEvent, type SqlRunner, type StoredEvent, appendToStream, createDataSource } from '@turnout/event-store';
import { QUORUM_QUEUE_OPTIONS } from '@turnout/messaging';
import { CreateTaskQueues1732200000300 } from '@turnout/metadata';
import { eventStoreDatabaseForEachTest } from '../../../test/support/event-store-database';
import { amqpUrl, uniqueName } from '../../../test/support/services';
import { type TcpProxy, amqpTarget, startTcpProxy, throughProxy } from '../../../test/support/tcp-proxy';
import { waitFor } from '../../../test/support/wait-for';
import type { OutgoingMessage } from './outbox-messages';
import { type OutboxRelayOptions, OutboxRelay, relayName } from './outbox-relay';

const BATCH_SIZE = 5;

/** What a consumer of the relay's exchange saw, deduplicated by messageId (`<stream>:<version>`). */
interface Deliveries {
  /** How often each messageId arrived. */
  countById: Map<string, number>;
  /** Each stream's versions, in arrival order. */
  versionsByStream: Map<string, number[]>;
  /** The `token` of every event delivered. */
  tokens: Set<string>;
}

const counted = (token: string): NewEvent => ({ type: 'Counted', data: { token } });

describe('OutboxRelay', () => {
  let broker: string;
  let connection: amqp.ChannelModel;
  let channel: amqp.Channel;
  const relays: OutboxRelay[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    broker = await amqpUrl();
    connection = await amqp.connect(broker);
    channel = await connection.createChannel();
  });
  afterAll(async () => {
    await connection?.close();
  });

  // Declared before the database: after-hooks run in declaration order, and relays and cleanups still use it.
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  // The task queues table too: the relay records each task queue it declares.
  const store = eventStoreDatabaseForEachTest('relay', { poolSize: 5, alsoMigrate: [CreateTaskQueues1732200000300] });

  /** A relay publishing each event to `exchange` as `{ streamId, version, token }`, messageId `<stream>:<version>`. */
  function relayTo(exchange: string, options: Partial<OutboxRelayOptions> & { alsoSend?: (event: StoredEvent) => OutgoingMessage[] } = {}): OutboxRelay {
    const { alsoSend = () => [], ...overrides } = options;
    const relay = new OutboxRelay({
      databaseUrl: store.url,
      db: store.db,
      amqpUrl: broker,
      subscriptionName: 'relay',
      lockKey: 42,
      batchSize: BATCH_SIZE,
      pollMs: 100,
      toMessages: (event) => [
        {
          exchange,
          routingKey: event.type,
          content: Buffer.from(JSON.stringify({ streamId: event.streamId, version: event.streamVersion, token: event.data.token })),
          options: { messageId: `${event.streamId}:${event.streamVersion}`, persistent: true },
        },
        ...alsoSend(event),
      ],
      ...overrides,
    });
    relays.push(relay);
    return relay;
  }

  /** Binds a queue of this test's own to `exchange` (declaring it) and records what arrives. */
  async function consume(exchange: string): Promise<Deliveries> {
    await channel.assertExchange(exchange, 'topic', { durable: false });
    const queue = uniqueName('relay_consumer');
    await channel.assertQueue(queue, { exclusive: true });
    await channel.bindQueue(queue, exchange, '#');
    cleanups.push(() => channel.deleteExchange(exchange));
    const deliveries: Deliveries = { countById: new Map(), versionsByStream: new Map(), tokens: new Set() };
    await channel.consume(
      queue,
      (message) => {
        if (message === null) return;
        const { streamId, version, token } = JSON.parse(message.content.toString()) as { streamId: string; version: number; token: string };
        const id = message.properties.messageId as string;
        deliveries.countById.set(id, (deliveries.countById.get(id) ?? 0) + 1);
        deliveries.versionsByStream.set(streamId, [...(deliveries.versionsByStream.get(streamId) ?? []), version]);
        deliveries.tokens.add(token);
      },
      { noAck: true },
    );
    return deliveries;
  }

  /** Log lines of a relay, to see what it went through. */
  function recordingLogger(lines: string[]): OutboxRelayOptions['logger'] {
    return {
      log: (message) => lines.push(message),
      warn: (message) => lines.push(`warn: ${message}`),
      error: (message) => lines.push(`error: ${message}`),
    };
  }

  /** Sessions of their own, so that each writer's transaction commits on its own schedule. */
  async function writerSessions(count: number): Promise<Array<{ client: Client; runner: SqlRunner }>> {
    const connecting = await Promise.allSettled(
      Array.from({ length: count }, async () => {
        const client = new Client({ connectionString: store.url });
        // A session cut while idle (the database dropped after a failure) is no news to a writer.
        client.on('error', () => undefined);
        await client.connect();
        return { client, runner: { query: async (sql: string, parameters?: unknown[]) => (await client.query(sql, parameters)).rows } };
      }),
    );
    const connected = connecting.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const failure = connecting.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failure) {
      await Promise.all(connected.map(({ client }) => client.end()));
      throw failure.reason;
    }
    return connected;
  }

  /** How many messages `queue` holds; undefined while it does not exist. */
  async function messagesIn(queue: string): Promise<number | undefined> {
    // Checking a queue that does not exist closes the channel: probe on a channel of its own.
    const probe = await connection.createChannel();
    probe.on('error', () => undefined);
    try {
      return (await probe.checkQueue(queue)).messageCount;
    } catch {
      return undefined;
    } finally {
      await probe.close().catch(() => undefined);
    }
  }

  const allDelivered = (deliveries: Deliveries, ids: readonly string[]) => ids.every((id) => deliveries.countById.has(id));

  it('publishes every committed event exactly once, in order per stream, however concurrent transactions commit or roll back', async () => {
    const exchange = uniqueName('relay_events');
    const deliveries = await consume(exchange);
    await relayTo(exchange).start();

    const committedVersion = new Map<string, number>();
    const committedIds: string[] = [];
    const rolledBackTokens: string[] = [];
    for (let wave = 0; wave < 3; wave += 1) {
      const writers = await writerSessions(40);
      try {
        // Each writer appends to two streams; no two writers of a wave share a stream,
        // and across waves each stream is continued by other writers.
        const plans = writers.map((writer, i) => ({
          ...writer,
          streams: [`left-${(i + 7 * wave) % 40}`, `right-${(3 * i + wave) % 40}`],
          tokens: [] as string[],
          rollBack: (i + wave) % 6 === 0,
        }));
        await Promise.all(
          plans.map(async (plan, i) => {
            await plan.client.query('begin');
            for (const streamId of plan.streams) {
              const events = [1, 2].map((n) => counted(`${wave}/${i}/${streamId}/${n}`));
              plan.tokens.push(...events.map((event) => (event.data as { token: string }).token));
              await appendToStream(plan.runner, streamId, committedVersion.get(streamId) ?? 0, events);
            }
          }),
        );
        // Every transaction is open now; they end in a random order, a random moment apart.
        await Promise.all(
          plans.map(async (plan) => {
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
            await plan.client.query(plan.rollBack ? 'rollback' : 'commit');
            if (plan.rollBack) {
              rolledBackTokens.push(...plan.tokens);
              return;
            }
            for (const streamId of plan.streams) {
              const version = committedVersion.get(streamId) ?? 0;
              committedVersion.set(streamId, version + 2);
              committedIds.push(`${streamId}:${version + 1}`, `${streamId}:${version + 2}`);
            }
          }),
        );
      } finally {
        await Promise.all(writers.map(({ client }) => client.end()));
      }
    }
    // Appended after every other transaction ended, so published after all their events:
    // once it is in, anything rolled back would have shown up too.
    await appendToStream(store.db, 'sentinel', 0, [counted('sentinel')]);
    await waitFor('the sentinel', () => deliveries.countById.has('sentinel:1'), { timeoutMs: 20_000 });

    expect(rolledBackTokens.length).toBeGreaterThan(0);
    expect(committedIds.filter((id) => !deliveries.countById.has(id))).toEqual([]);
    expect([...deliveries.countById].filter(([, count]) => count > 1)).toEqual([]);
    expect(deliveries.countById.size).toBe(committedIds.length + 1);
    expect(rolledBackTokens.filter((token) => deliveries.tokens.has(token))).toEqual([]);
    for (const [streamId, version] of committedVersion) {
      expect([streamId, deliveries.versionsByStream.get(streamId)]).toEqual([streamId, Array.from({ length: version }, (_, i) => i + 1)]);
    }
  });

  it('publishes an event committed while it stores its checkpoint at once, not after its poll period', async () => {
    const exchange = uniqueName('relay_notify_during_store');
    const deliveries = await consume(exchange);
    // Checkpoint writes wait for `releaseStore` while `holdStores` is set.
    let holdStores = false;
    let storeHeld!: () => void;
    const storeReached = new Promise<void>((resolve) => (storeHeld = resolve));
    let releaseStore!: () => void;
    const storeReleased = new Promise<void>((resolve) => (releaseStore = resolve));
    const heldDb: SqlRunner = {
      query: async (sql, parameters) => {
        if (holdStores && /turnout_subscriptions/.test(sql) && !/^\s*select/i.test(sql)) {
          storeHeld();
          await storeReleased;
        }
        return store.db.query(sql, parameters);
      },
    };
    // A poll period far longer than the wait below: only the NOTIFY can bring the second event in time.
    await relayTo(exchange, { db: heldDb, pollMs: 60_000 }).start();
    await appendToStream(store.db, 'during-store', 0, [counted('first')]);
    await waitFor('the first event', () => deliveries.countById.has('during-store:1'));

    holdStores = true;
    await appendToStream(store.db, 'during-store', 1, [counted('second')]);
    await storeReached;
    // Committed (and notified) while the relay waits on its checkpoint write.
    await appendToStream(store.db, 'during-store', 2, [counted('third')]);
    holdStores = false;
    releaseStore();

    await waitFor('the event committed during the checkpoint write', () => deliveries.countById.has('during-store:3'), { timeoutMs: 10_000 });
    expect(deliveries.versionsByStream.get('during-store')).toEqual([1, 2, 3]);
  });

  it('loses nothing when a relay stops mid-stream and another starts, resuming from its checkpoint', async () => {
    const exchange = uniqueName('relay_restart');
    const deliveries = await consume(exchange);
    const first = relayTo(exchange);
    await first.start();

    const appended: string[] = [];
    const append = async (count: number) => {
      // Ten streams written at once, so the relay has pages to work through.
      await Promise.all(
        Array.from({ length: 10 }, async (_, s) => {
          for (let n = 0; n < count; n += 1) {
            const streamId = `stream-${s}`;
            const version = appended.filter((id) => id.startsWith(`${streamId}:`)).length;
            await appendToStream(store.db, streamId, version, [counted(`${streamId}/${version + 1}`)]);
            appended.push(`${streamId}:${version + 1}`);
          }
        }),
      );
    };
    const whileRunning = append(6);
    await waitFor('the first relay to publish', () => first.publishedCount > 0);
    await first.stop();
    await whileRunning;
    await append(3); // while no relay runs
    const second = relayTo(exchange);
    await second.start();
    await append(3);

    await waitFor('every event', () => allDelivered(deliveries, appended));
    expect(first.isActive()).toBe(false);
    expect(second.publishedCount).toBeGreaterThan(0);
    // Whatever the first relay confirmed before it stopped is not published again (beyond a page).
    const deliveredTotal = [...deliveries.countById.values()].reduce((sum, count) => sum + count, 0);
    expect(deliveries.countById.size).toBe(appended.length);
    expect(deliveredTotal - appended.length).toBeLessThanOrEqual(BATCH_SIZE);
  });

  it('keeps one relay of a database active; when it stops, the waiting one takes over', async () => {
    const exchange = uniqueName('relay_failover');
    const deliveries = await consume(exchange);
    const pair = [relayTo(exchange), relayTo(exchange)];
    await Promise.all(pair.map((relay) => relay.start()));
    const active = await waitFor('a relay to take the lock', () => pair.find((relay) => relay.isActive()));
    const waiting = pair.find((relay) => relay !== active)!;

    await appendToStream(store.db, 'failover', 0, [1, 2, 3].map((n) => counted(`before/${n}`)));
    await waitFor('the first events', () => deliveries.countById.has('failover:3'));
    expect(pair.filter((relay) => relay.isActive())).toEqual([active]);
    expect(waiting.publishedCount).toBe(0);

    await active.stop();
    await waitFor('the waiting relay to take over', () => waiting.isActive());
    await appendToStream(store.db, 'failover', 3, [4, 5, 6].map((n) => counted(`after/${n}`)));
    await waitFor('the events after the handover', () => deliveries.countById.has('failover:6'));

    expect(waiting.publishedCount).toBe(3);
    expect(deliveries.versionsByStream.get('failover')).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('declares the task queue a message names, once, before publishing to it, and records it', async () => {
    const exchange = uniqueName('relay_tasks');
    await consume(exchange);
    const taskQueue = uniqueName('task_type');
    cleanups.push(() => channel.deleteQueue(taskQueue));
    // The queues the relay records as it declares them.
    const declared: string[] = [];
    const watchedDb: SqlRunner = {
      query: (sql, parameters = []) => {
        if (sql.includes('turnout_task_queues')) declared.push(...(parameters[0] as string[]));
        return store.db.query(sql, parameters);
      },
    };
    const relay = relayTo(exchange, {
      db: watchedDb,
      alsoSend: (event) =>
        event.type === 'TaskScheduled'
          ? [{ exchange: '', routingKey: taskQueue, content: Buffer.from(JSON.stringify(event.data)), options: { persistent: true }, assertQueue: taskQueue }]
          : [],
    });
    await relay.start();
    await appendToStream(store.db, uniqueName('run'), 0, [1, 2].map((n) => ({ type: 'TaskScheduled', data: { n } })));

    expect(await waitFor(`two messages in ${taskQueue}`, async () => (await messagesIn(taskQueue)) === 2)).toBe(true);
    expect(declared).toEqual([taskQueue]);
    expect(await store.db.query('select queue_name from turnout_task_queues')).toEqual([{ queue_name: taskQueue }]);
    // Declared with the shared task queue arguments: declaring it so again is no conflict.
    await expect(channel.assertQueue(taskQueue, QUORUM_QUEUE_OPTIONS)).resolves.toMatchObject({ queue: taskQueue });
  });

  it('publishes a task message again when the broker returns it unrouted (its queue deleted under the relay), not taking its confirm for delivery', async () => {
    const exchange = uniqueName('relay_returned');
    await consume(exchange);
    const taskQueue = uniqueName('task_type');
    cleanups.push(() => channel.deleteQueue(taskQueue));
    const lines: string[] = [];
    const relay = relayTo(exchange, {
      logger: recordingLogger(lines),
      alsoSend: (event) =>
        event.type === 'TaskScheduled'
          ? [{ exchange: '', routingKey: taskQueue, content: Buffer.from(JSON.stringify(event.data)), options: { persistent: true, mandatory: true }, assertQueue: taskQueue }]
          : [],
    });
    await relay.start();
    const run = uniqueName('run');
    await appendToStream(store.db, run, 0, [{ type: 'TaskScheduled', data: { n: 1 } }]);
    await waitFor(`the first task message in ${taskQueue}`, async () => (await messagesIn(taskQueue)) === 1);

    // The relay declared the queue once on its channel and publishes there without declaring it again:
    // the broker routes the next message nowhere, confirms it all the same, and sends it back first.
    await channel.deleteQueue(taskQueue);
    await appendToStream(store.db, run, 1, [{ type: 'TaskScheduled', data: { n: 2 } }]);
    await waitFor('the relay to hear that the message came back', () => lines.some((line) => line.includes('no queue took it')));

    // It started over from its checkpoint: the queue declared again, the returned message published again.
    await waitFor(`the second task message in ${taskQueue}, declared again`, async () => (await messagesIn(taskQueue)) === 1);
    const message = await channel.get(taskQueue, { noAck: true });
    expect(message && JSON.parse(message.content.toString())).toEqual({ n: 2 });
  });

  it('publishes again a message the broker nacked while the rest of its page went out, not taking the page for confirmed', async () => {
    const exchange = uniqueName('relay_nacked');
    await consume(exchange);
    // Holds one message and nacks the next (classic, so that a single broker nacks on cue).
    const full = uniqueName('full_queue');
    await channel.assertQueue(full, { durable: false, arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
    cleanups.push(() => channel.deleteQueue(full));
    channel.sendToQueue(full, Buffer.from('{"blocker":true}'));
    const declaredLater = uniqueName('task_type');
    cleanups.push(() => channel.deleteQueue(declaredLater));
    const lines: string[] = [];
    const relay = relayTo(exchange, {
      logger: recordingLogger(lines),
      // One page: the message for the full queue, then one whose queue the relay declares (and records)
      // before publishing it: the nack comes while the relay awaits that, before the page is out.
      alsoSend: (event) => {
        const { n } = event.data as { n: number };
        const queue = n === 1 ? full : declaredLater;
        return [{ exchange: '', routingKey: queue, content: Buffer.from(JSON.stringify({ n })), options: { persistent: true }, ...(n === 1 ? {} : { assertQueue: queue }) }];
      },
    });
    await relay.start();
    await appendToStream(store.db, uniqueName('run'), 0, [1, 2].map((n) => ({ type: 'TaskScheduled', data: { n } })));
    await waitFor('the relay to hear of the nack', () => lines.some((line) => line.includes('message nacked')));

    // Room again: the nacked message goes again, from a checkpoint that stayed before it.
    await channel.purgeQueue(full);
    await waitFor(`the nacked message in ${full}`, async () => (await messagesIn(full)) === 1);
    const message = await channel.get(full, { noAck: true });
    expect(message && JSON.parse(message.content.toString())).toEqual({ n: 1 });
  });

  describe('when a connection fails', () => {
    async function proxy(target: { host: string; port: number }): Promise<TcpProxy> {
      const started = await startTcpProxy(target);
      cleanups.push(() => started.close());
      return started;
    }

    it('rides out Postgres going away: it reconnects, takes the lock again and carries on', async () => {
      const postgres = await proxy({ host: new URL(store.url).hostname, port: Number(new URL(store.url).port || 5432) });
      const proxiedUrl = new URL(store.url);
      proxiedUrl.hostname = '127.0.0.1';
      proxiedUrl.port = String(postgres.port);
      const proxiedDb = createDataSource(proxiedUrl.toString(), [], { poolSize: 2 });
      await proxiedDb.initialize();
      cleanups.push(() => proxiedDb.destroy());
      const exchange = uniqueName('relay_pg_outage');
      const deliveries = await consume(exchange);
      const lines: string[] = [];
      const relay = relayTo(exchange, { databaseUrl: proxiedUrl.toString(), db: proxiedDb, logger: recordingLogger(lines) });
      await relay.start();
      await appendToStream(store.db, 'outage', 0, [counted('before')]);
      await waitFor('the event before the outage', () => deliveries.countById.has('outage:1'));

      postgres.refuseNext(2);
      postgres.severAll();
      await appendToStream(store.db, 'outage', 1, [counted('during')]);

      await waitFor('the event written during the outage', () => deliveries.countById.has('outage:2'));
      expect(lines.filter((line) => line.startsWith('error: '))).not.toEqual([]);
      expect(relay.isActive()).toBe(true);
      expect(deliveries.versionsByStream.get('outage')).toEqual([1, 2]);
    });

    it('rides out the broker going away, publishing again what was not confirmed', async () => {
      const rabbit = await proxy(amqpTarget(broker));
      const exchange = uniqueName('relay_broker_outage');
      const deliveries = await consume(exchange);
      const lines: string[] = [];
      const relay = relayTo(exchange, { amqpUrl: throughProxy(broker, rabbit), logger: recordingLogger(lines) });
      await relay.start();
      await appendToStream(store.db, 'outage', 0, [counted('before')]);
      await waitFor('the event before the outage', () => deliveries.countById.has('outage:1'));

      rabbit.refuseNext(2);
      rabbit.severAll();
      await appendToStream(store.db, 'outage', 1, [1, 2, 3].map((n) => counted(`during/${n}`)));

      await waitFor('the events written during the outage', () => allDelivered(deliveries, ['outage:2', 'outage:3', 'outage:4']));
      expect(lines.some((line) => line.startsWith('error: '))).toBe(true);
      expect(rabbit.accepted).toBeGreaterThanOrEqual(4);
      expect(deliveries.countById.size).toBe(4);
    });

    it('does not publish again what the broker confirmed when its checkpoint could not be stored before it lost the lock', async () => {
      const exchange = uniqueName('relay_unstored');
      const deliveries = await consume(exchange);
      const lines: string[] = [];
      const relay = relayTo(exchange, { logger: recordingLogger(lines) });
      await relay.start();
      await appendToStream(store.db, 'unstored', 0, [counted('before')]);
      await waitFor('the event before', () => deliveries.countById.has('unstored:1'));

      // From now on PostgreSQL refuses to store the checkpoint, as when it goes away between a confirm and the store.
      await store.db.query(
        `create function refuse_checkpoints() returns trigger language plpgsql as $$ begin raise exception 'checkpoint refused'; end $$`,
      );
      await store.db.query('create trigger refuse_checkpoints before insert or update on turnout_subscriptions for each row execute function refuse_checkpoints()');
      await appendToStream(store.db, 'unstored', 1, [1, 2, 3].map((n) => counted(`unstored/${n}`)));
      // The second failure comes after it took the lock again, from the checkpoint stored before the three.
      await waitFor('two attempts failing to store', () => lines.filter((line) => line.startsWith('error: ') && line.includes('checkpoint refused')).length >= 2);
      await store.db.query('drop trigger refuse_checkpoints on turnout_subscriptions');
      await appendToStream(store.db, 'unstored', 4, [counted('after')]);
      await waitFor('the event after', () => deliveries.countById.has('unstored:5'));

      expect(deliveries.versionsByStream.get('unstored')).toEqual([1, 2, 3, 4, 5]);
    });

    it('publishes later batches while confirms are held back, and moves its checkpoint only past confirmed events', async () => {
      const rabbit = await proxy(amqpTarget(broker));
      const exchange = uniqueName('relay_held_confirms');
      const deliveries = await consume(exchange);
      // The relay's statements, so that the test knows when it has read all there is (and what it did next).
      const ran: Array<{ sql: string; parameters: unknown[]; finished: boolean; settled: Promise<unknown> }> = [];
      const watchedDb: SqlRunner = {
        query: (sql, parameters = []) => {
          const result = store.db.query(sql, parameters);
          const statement = { sql, parameters, finished: false, settled: result.catch(() => undefined) };
          result.then(() => (statement.finished = true), () => undefined);
          ran.push(statement);
          return result;
        },
      };
      const lines: string[] = [];
      const relay = relayTo(exchange, { amqpUrl: throughProxy(broker, rabbit), db: watchedDb, batchSize: 2, logger: recordingLogger(lines) });
      await relay.start();
      // Steady state first: holding replies earlier would hold back the channel's own opening.
      await appendToStream(store.db, 'steady', 0, [counted('steady')]);
      await waitFor('the first event confirmed', () => deliveries.countById.has('steady:1') && relay.publishedCount === 1);

      let last = { transaction_id: '', global_position: '' };
      let heldIds: string[] = [];
      rabbit.holdReplies();
      try {
        await appendToStream(store.db, 'held', 0, [1, 2, 3, 4, 5, 6].map((n) => counted(`held/${n}`)));
        const held: Array<{ transaction_id: string; global_position: string }> = await store.db.query(
          "select transaction_id::text, global_position::text from turnout_events where stream_id = 'held' order by stream_version",
        );
        const first = held[0];
        last = held[held.length - 1];
        heldIds = held.map((_, i) => `held:${i + 1}`);
        // Three batches of two reach the consumer though not one of them is confirmed.
        await waitFor('every held event delivered, unconfirmed', () => allDelivered(deliveries, heldIds));
        // The read after the last held event: from here the relay has nothing to do but wait for confirms
        // (one that moved its checkpoint early would store it now, before this test looks).
        await waitFor('the relay to read past the held events', () =>
          ran.some(({ sql, parameters, finished }) => finished && sql.includes('from turnout_events') && parameters[0] === last.transaction_id && parameters[1] === last.global_position),
        );
        await Promise.all(ran.map(({ settled }) => settled));
        const stored: Array<{ before: boolean }> = await store.db.query(
          "select (last_transaction_id, last_position) < ($1::xid8, $2::bigint) as before from turnout_subscriptions where name = 'relay'",
          [first.transaction_id, first.global_position],
        );
        expect(stored.filter(({ before }) => !before)).toEqual([]);
        expect(relay.publishedCount).toBe(1);
      } finally {
        // Also when an expectation failed: a relay stops only once the broker answers its close.
        rabbit.releaseReplies();
      }
      await waitFor('the checkpoint at the last event', async () => {
        const rows = await store.db.query("select last_transaction_id::text as transaction_id, last_position::text as global_position from turnout_subscriptions where name = 'relay'");
        return rows.length === 1 && rows[0].transaction_id === last.transaction_id && rows[0].global_position === last.global_position;
      });
      expect(relay.publishedCount).toBe(7);
      expect([...deliveries.countById]).toEqual([['steady:1', 1], ...heldIds.map((id) => [id, 1])]);
      expect(lines.filter((line) => line.startsWith('error: '))).toEqual([]);
    });

    it('keeps running when the broker refuses a publish, and publishes it once the exchange exists', async () => {
      const exchange = uniqueName('relay_exchange_later');
      const lines: string[] = [];
      const relay = relayTo(exchange, { logger: recordingLogger(lines) });
      await relay.start();
      await appendToStream(store.db, 'early', 0, [counted('early')]);
      await waitFor('the broker to refuse the publish', () => lines.some((line) => line.includes('NOT_FOUND')));

      // The refused publish was never confirmed, so the checkpoint stayed before it.
      expect(await store.db.query("select count(*)::int as stored from turnout_subscriptions where name = 'relay'")).toEqual([{ stored: 0 }]);
      const deliveries = await consume(exchange);
      await waitFor('the event once the exchange exists', () => deliveries.countById.has('early:1'));
    });
  });

  it('can be stopped before it started, stopped twice, and started again, even while a stop is under way', async () => {
    const exchange = uniqueName('relay_stop_start');
    const deliveries = await consume(exchange);
    const relay = relayTo(exchange);
    await relay.stop();
    await relay.start();
    await waitFor('the relay to take the lock', () => relay.isActive());

    await Promise.all([relay.stop(), relay.stop()]);
    expect(relay.isActive()).toBe(false);
    // The lock is free: a session of the test's takes it (and lets go as it ends).
    const probe = new Client({ connectionString: store.url });
    await probe.connect();
    const { rows } = await probe.query('select pg_try_advisory_lock(42) as locked');
    await probe.end();
    expect(rows).toEqual([{ locked: true }]);

    await relay.start();
    await Promise.all([relay.stop(), relay.start()]);
    await appendToStream(store.db, 'again', 0, [counted('again')]);
    await waitFor('the event', () => deliveries.countById.has('again:1'));
    // One loop runs: one session of the relay's on the server (a session just ended may linger a moment).
    await waitFor(
      'a single relay session',
      async () => {
        const [{ sessions }] = await store.db.query(
          'select count(*)::int as sessions from pg_stat_activity where datname = current_database() and application_name = $1',
          [relayName('relay')],
        );
        return sessions === 1;
      },
      { timeoutMs: 5_000 },
    );
  });
});
