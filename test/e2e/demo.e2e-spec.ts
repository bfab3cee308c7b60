/**
 * `npm run demo` (scripts/demo.mjs) as a newcomer runs it, as a real process
 * with the examples built as its npm script builds them: Turnout, both
 * workers and the walkthrough's three runs, each printed with its output,
 * queue and routing reason; then everything it started stopped and what it
 * made removed. Its database and vhost are named for this test (--name).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { buildExamples } from '../support/example-process';
import { amqpUrl, baseDatabaseUrl, rabbitmqctl, uniqueName } from '../support/services';

const ROOT = join(__dirname, '..', '..');

describe('npm run demo', () => {
  it("walks through the hello_world story and stops everything it started", async () => {
    const name = uniqueName('demo');
    const [databaseUrl, brokerUrl] = await Promise.all([baseDatabaseUrl(), amqpUrl(), buildExamples()]);
    const startedAt = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'scripts/demo.mjs'), '--name', name], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, AMQP_URL: brokerUrl },
      timeout: 90_000,
    });
    console.log(`demo took ${Date.now() - startedAt} ms:\n${stdout}`);

    expect(stdout).toContain(`database ${name} and vhost ${name}, made for this run and removed at the end`);
    expect(stdout).toMatch(/Turnout is up: api http:\/\/127\.0\.0\.1:\d+\/api, web UI http:\/\/127\.0\.0\.1:\d+\/ui\//);
    expect(stdout).toContain('production worker: hello_world polls hello_world (no domain; rule NOT_CONFIGURED');
    expect(stdout).toContain(`Doug's worker: hello_world polls hello_world@doug (domain doug; rule RUNNER_TASK_TO_DOMAIN`);

    const runs = stdout.split(/\n(?=\d\. )/).slice(1);
    expect(runs).toHaveLength(3);
    const [plain, dougs, fallback] = runs.map((run) => ({
      title: run.split('\n')[0],
      status: /workflow \S+: (\w+)/.exec(run)?.[1],
      output: /output +(.*)/.exec(run)?.[1],
      queue: /queue +(\S+)/.exec(run)?.[1],
      rule: /routing +(\w+): /.exec(run)?.[1],
    }));
    expect(plain).toEqual({ title: '1. a run without a map', status: 'COMPLETED', output: '{"hw_response":"Hello World!"}', queue: 'hello_world', rule: 'NO_RULE' });
    expect(dougs).toEqual({
      title: '2. a run with {"hello_world": "doug"}',
      status: 'COMPLETED',
      output: `{"hw_response":"Hello World from Doug's computer!"}`,
      queue: 'hello_world@doug',
      rule: 'FIRST_ACTIVE',
    });
    expect(fallback).toEqual({
      title: `3. a run with {"hello_world": "doug,NO_DOMAIN"}, Doug's worker stopped`,
      status: 'COMPLETED',
      output: '{"hw_response":"Hello World!"}',
      queue: 'hello_world',
      rule: 'NO_DOMAIN_FALLBACK',
    });
    // Doug's worker stopped before the third run, and said so.
    expect(stdout.indexOf('doug has no active worker now')).toBeLessThan(stdout.indexOf('3. a run with'));
    expect(stdout.trimEnd().endsWith('stopped everything the demo started')).toBe(true);

    // What it made is gone.
    expect((await rabbitmqctl('list_vhosts', 'name')).split('\n')).not.toContain(name);
    const admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      expect((await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  }, 120_000);
});
