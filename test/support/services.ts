/**
 * Where the tests find PostgreSQL and RabbitMQ: DATABASE_URL / AMQP_URL, else the
 * local servers, else Testcontainers when a Docker engine answers. When none is
 * reachable the error says what to start.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Client } from 'pg';
import * as amqp from 'amqplib';
// Relative, not @turnout/config: the global teardown imports this file, and Jest maps no paths for it.
import { CONFIG_DEFAULTS } from '../../libs/config/src/turnout-config';
import { recordTestVhost } from './test-vhosts';

const LOCAL_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const LOCAL_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

let databaseUrlPromise: Promise<string> | undefined;
let amqpUrlPromise: Promise<string> | undefined;
/** Set when Testcontainers started the broker: its management API, on a mapped port. */
let containerManagementUrl: string | undefined;

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function rabbitAnswers(url: string): Promise<boolean> {
  try {
    const connection = await amqp.connect(url, { timeout: 3000 });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/** A Postgres database URL for tests (the shared `test` database or its stand-in). */
export function baseDatabaseUrl(): Promise<string> {
  databaseUrlPromise ??= (async () => {
    const url = process.env.DATABASE_URL ?? LOCAL_DATABASE_URL;
    if (await postgresAnswers(url)) return url;
    if (await dockerAnswers()) {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const container = await new PostgreSqlContainer('postgres:15').start();
      return container.getConnectionUri();
    }
    throw new Error(
      `PostgreSQL is not reachable at ${url} and no Docker engine answers for Testcontainers. ` +
        `Start PostgreSQL (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set DATABASE_URL.`,
    );
  })();
  return databaseUrlPromise;
}

/** Test vhosts are named `tt_<epoch ms>_<random>`; the global teardown removes old ones. */
export const TEST_VHOST_PREFIX = 'tt_';
const run = promisify(execFile);

export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args]);
  return stdout;
}

/**
 * A vhost of this test file's own, so that its Turnout, queues and exchanges
 * meet no other test's (test files may run at once). Where rabbitmqctl is not
 * on this machine (a remote broker), the URL's own vhost is shared.
 */
async function isolatedVhost(url: string): Promise<string> {
  const vhost = `${TEST_VHOST_PREFIX}${Date.now()}_${randomUUID().slice(0, 8)}`;
  try {
    await rabbitmqctl('add_vhost', vhost);
    await rabbitmqctl('set_permissions', '-p', vhost, new URL(url).username || 'guest', '.*', '.*', '.*');
  } catch {
    return url;
  }
  recordTestVhost(vhost);
  const isolated = new URL(url);
  isolated.pathname = `/${encodeURIComponent(vhost)}`;
  return isolated.toString();
}

/** A RabbitMQ URL for this test file: a fresh vhost on the local broker or its stand-in. */
export function amqpUrl(): Promise<string> {
  amqpUrlPromise ??= (async () => {
    const url = process.env.AMQP_URL ?? LOCAL_AMQP_URL;
    if (await rabbitAnswers(url)) return isolatedVhost(url);
    if (await dockerAnswers()) {
      const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
      // With the management plugin: the domain confinement test creates a user through it.
      const container = await new RabbitMQContainer('rabbitmq:3.13-management').start();
      containerManagementUrl = `http://guest:guest@${container.getHost()}:${container.getMappedPort(15672)}`;
      return container.getAmqpUrl();
    }
    throw new Error(
      `RabbitMQ is not reachable at ${url} and no Docker engine answers for Testcontainers. ` +
        `Start RabbitMQ (rabbitmq-server -detached) or set AMQP_URL.`,
    );
  })();
  return amqpUrlPromise;
}

/** RabbitMQ's management API for the broker of amqpUrl(): RABBITMQ_MANAGEMENT_URL, the container's, or the local default. */
export async function managementUrl(): Promise<string> {
  await amqpUrl();
  return process.env.RABBITMQ_MANAGEMENT_URL ?? containerManagementUrl ?? CONFIG_DEFAULTS.rabbitmqManagementUrl;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of its own, so a test's data and checkpoints meet no one else's. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const base = await baseDatabaseUrl();
  const name = `turnout_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomUUID().slice(0, 8)}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new Client({ connectionString: base });
      await client.connect();
      try {
        await client.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A name no other test uses: task types, queues, workflow names. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
}
