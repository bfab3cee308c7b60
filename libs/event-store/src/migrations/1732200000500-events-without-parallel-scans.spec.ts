import { eventStoreDatabaseForSuite } from '../../../../test/support/event-store-database';

describe('EventsWithoutParallelScans (the log is never read by parallel workers)', () => {
  const store = eventStoreDatabaseForSuite('no_parallel_scans', { poolSize: 1 });
  beforeAll(async () => {
    await store.db.query(`insert into turnout_events (stream_id, stream_version, type, data)
                    select 'stream-' || n, 1, 'Counted', '{}'::jsonb from generate_series(1, 20000) as n`);
  });

  it("plans the relay's page read without parallel workers, even where parallel plans cost nothing", async () => {
    const plan = await store.db.transaction(async (session) => {
      // Make parallelism look free, as a large log with no statistics came to make it look.
      for (const setting of ['parallel_setup_cost = 0', 'parallel_tuple_cost = 0', 'min_parallel_table_scan_size = 0', 'min_parallel_index_scan_size = 0']) {
        await session.query(`set local ${setting}`);
      }
      const rows: Array<{ 'QUERY PLAN': string }> = await session.query(
        `explain select * from turnout_events
         where (transaction_id, global_position) > ('0'::xid8, 0::bigint)
           and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         order by transaction_id, global_position limit 500`,
      );
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    });
    expect(plan).not.toMatch(/Gather|Parallel/);
  });
});
