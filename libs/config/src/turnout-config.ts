import { parseBrokerUrls } from './broker-urls';

/**
 * Every configuration key Turnout reads, with its default. The README's
 * configuration table is this list; nothing else reads process.env.
 */
export interface TurnoutConfig {
  /** PostgreSQL connection string. */
  databaseUrl: string;
  /**
   * RabbitMQ connection string, or several comma separated (a cluster's nodes):
   * connected in order, the next one taken when a node goes away (parseBrokerUrls).
   */
  amqpUrl: string;
  /** RabbitMQ's management HTTP API, with an administrator's credentials: npm run grant-domain creates users through it. */
  rabbitmqManagementUrl: string;
  /** HTTP port of the api. */
  port: number;
  /** A domain is active while one of its workers was seen within this window. */
  activeWorkerTimeoutMs: number;
  /** How often the router refreshes its in-memory worker presence from Postgres. */
  presenceRefreshMs: number;
  /** How often a waiting relay retries the advisory lock, and how often the active one polls without a NOTIFY. */
  relayPollMs: number;
  /** Events the relay reads and publishes per batch. */
  relayBatchSize: number;
  /** How often each router claims the durable timers that came due (one indexed query each time). */
  timerPollMs: number;
  /** Messages a router consumer holds unacknowledged at once. */
  routerPrefetch: number;
  /** Dead letters kept for operators (GET /api/admin/dead-letters): the newest this many. */
  deadLettersKept: number;
  /** The router's Prometheus /metrics port (0: a free port). */
  routerMetricsPort: number;
  /** Longest one script (INLINE, JSON_JQ_TRANSFORM, SWITCH javascript, DO_WHILE loopCondition) may run; past it the task fails. */
  sandboxTimeLimitMs: number;
  /** Most memory one script may allocate in the sandbox; past it the task fails. */
  sandboxMemoryLimitMb: number;
  /** The hosts HTTP tasks may call (`host` or `host:port`); null: any host. */
  httpTaskAllowedHosts: readonly string[] | null;
  /** An HTTP task's connection and read timeouts when its http_request gives none (Conductor's defaults). */
  httpTaskConnectTimeoutMs: number;
  httpTaskReadTimeoutMs: number;
  /** Log level: error, warn, log, debug. */
  logLevel: 'error' | 'warn' | 'log' | 'debug';
  /** Log lines as JSON objects (for a log collector) or as text for people. */
  logFormat: 'json' | 'text';
  /**
   * Where OpenTelemetry traces go (an OTLP/HTTP collector's base URL; spans are
   * posted to `<url>/v1/traces`); null: no tracing, and no tracing code loaded.
   */
  otlpEndpoint: string | null;
  /**
   * The API keys (`<keyId>:<keySecret>,…`): with any, every api route but
   * /health, /metrics and /api/token wants a token from /api/token; with none
   * the api runs open. Secrets: never logged nor echoed in an error.
   */
  apiKeys: readonly ApiKey[];
  /** How long a token from /api/token is good for. */
  apiTokenTtlSeconds: number;
  /** Request bodies larger than this are refused with a 413. */
  maxBodyBytes: number;
}

export interface ApiKey {
  keyId: string;
  keySecret: string;
}

export const CONFIG_DEFAULTS: TurnoutConfig = {
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
  amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
  rabbitmqManagementUrl: 'http://guest:guest@127.0.0.1:15672',
  port: 8080,
  activeWorkerTimeoutMs: 10_000,
  presenceRefreshMs: 500,
  relayPollMs: 1_000,
  relayBatchSize: 500,
  timerPollMs: 500,
  routerPrefetch: 100,
  deadLettersKept: 10_000,
  routerMetricsPort: 9464,
  sandboxTimeLimitMs: 1_000,
  sandboxMemoryLimitMb: 64,
  httpTaskAllowedHosts: null,
  httpTaskConnectTimeoutMs: 100,
  httpTaskReadTimeoutMs: 150,
  logLevel: 'log',
  logFormat: 'text',
  apiKeys: [],
  apiTokenTtlSeconds: 3_600,
  maxBodyBytes: 1_048_576,
  otlpEndpoint: null,
};

/** Environment variable for each key. */
export const CONFIG_ENV: { readonly [K in keyof TurnoutConfig]: string } = {
  databaseUrl: 'DATABASE_URL',
  amqpUrl: 'AMQP_URL',
  rabbitmqManagementUrl: 'RABBITMQ_MANAGEMENT_URL',
  port: 'PORT',
  activeWorkerTimeoutMs: 'ACTIVE_WORKER_TIMEOUT_MS',
  presenceRefreshMs: 'PRESENCE_REFRESH_MS',
  relayPollMs: 'RELAY_POLL_MS',
  relayBatchSize: 'RELAY_BATCH_SIZE',
  timerPollMs: 'TIMER_POLL_MS',
  routerPrefetch: 'ROUTER_PREFETCH',
  deadLettersKept: 'DEAD_LETTERS_KEPT',
  routerMetricsPort: 'ROUTER_METRICS_PORT',
  sandboxTimeLimitMs: 'SANDBOX_TIME_LIMIT_MS',
  sandboxMemoryLimitMb: 'SANDBOX_MEMORY_LIMIT_MB',
  httpTaskAllowedHosts: 'HTTP_TASK_ALLOWED_HOSTS',
  httpTaskConnectTimeoutMs: 'HTTP_TASK_CONNECT_TIMEOUT_MS',
  httpTaskReadTimeoutMs: 'HTTP_TASK_READ_TIMEOUT_MS',
  logLevel: 'LOG_LEVEL',
  logFormat: 'LOG_FORMAT',
  apiKeys: 'API_KEYS',
  apiTokenTtlSeconds: 'API_TOKEN_TTL_SECONDS',
  maxBodyBytes: 'MAX_BODY_BYTES',
  otlpEndpoint: 'OTEL_EXPORTER_OTLP_ENDPOINT',
};

export class ConfigError extends Error {
  constructor(readonly variable: string, reason: string) {
    super(`${variable}: ${reason}`);
  }
}

const LOG_LEVELS = ['error', 'warn', 'log', 'debug'] as const;
const LOG_FORMATS = ['json', 'text'] as const;

function positiveInteger(variable: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(variable, `must be a positive integer, got "${raw}"`);
  }
  return value;
}

/**
 * OTEL_EXPORTER_OTLP_ENDPOINT alone, as the api, the router and the worker SDK
 * (which reads no other key of this file) take it: null when unset or blank.
 */
export function otlpEndpointOf(env: Readonly<Record<string, string | undefined>>): string | null {
  const raw = env[CONFIG_ENV.otlpEndpoint]?.trim();
  if (raw === undefined || raw === '') return null;
  let protocol: string;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    throw new ConfigError(CONFIG_ENV.otlpEndpoint, `"${raw}" is not a URL`);
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw new ConfigError(CONFIG_ENV.otlpEndpoint, `"${raw}" is not an http:// or https:// URL`);
  return raw.replace(/\/+$/, '');
}

/**
 * `<keyId>:<keySecret>` pairs, comma separated; the secret is what follows the
 * first colon. A problem names the pair by its position, never by its text (a
 * secret must not reach a log).
 */
export function parseApiKeys(raw: string): ApiKey[] {
  const keys: ApiKey[] = [];
  for (const [index, pair] of raw.split(',').entries()) {
    const colon = pair.indexOf(':');
    const keyId = colon < 0 ? '' : pair.slice(0, colon).trim();
    const keySecret = colon < 0 ? '' : pair.slice(colon + 1).trim();
    if (keyId === '' || keySecret === '') {
      throw new ConfigError(CONFIG_ENV.apiKeys, `key ${index + 1} must be <keyId>:<keySecret>, both non-empty`);
    }
    if (keys.some((key) => key.keyId === keyId)) throw new ConfigError(CONFIG_ENV.apiKeys, `key ${index + 1} repeats the keyId "${keyId}"`);
    keys.push({ keyId, keySecret });
  }
  return keys;
}

/** Reads the configuration; a malformed value stops the process with the variable's name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): TurnoutConfig {
  const text = (key: keyof TurnoutConfig): string | undefined => {
    const raw = env[CONFIG_ENV[key]];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };
  const integer = (key: keyof TurnoutConfig, fallback: number): number => {
    const raw = text(key);
    return raw === undefined ? fallback : positiveInteger(CONFIG_ENV[key], raw);
  };
  const logLevel = text('logLevel') ?? CONFIG_DEFAULTS.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(CONFIG_ENV.logLevel, `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const logFormat = text('logFormat') ?? CONFIG_DEFAULTS.logFormat;
  if (!(LOG_FORMATS as readonly string[]).includes(logFormat)) {
    throw new ConfigError(CONFIG_ENV.logFormat, `must be one of ${LOG_FORMATS.join(', ')}, got "${logFormat}"`);
  }
  const amqpUrl = text('amqpUrl') ?? CONFIG_DEFAULTS.amqpUrl;
  try {
    parseBrokerUrls(amqpUrl);
  } catch (error) {
    throw new ConfigError(CONFIG_ENV.amqpUrl, (error as Error).message);
  }
  const apiKeys = text('apiKeys');
  const allowedHosts = text('httpTaskAllowedHosts');
  const httpTaskAllowedHosts = allowedHosts === undefined ? CONFIG_DEFAULTS.httpTaskAllowedHosts : allowedHosts.split(',').map((host) => host.trim()).filter((host) => host !== '');
  return {
    databaseUrl: text('databaseUrl') ?? CONFIG_DEFAULTS.databaseUrl,
    amqpUrl,
    rabbitmqManagementUrl: text('rabbitmqManagementUrl') ?? CONFIG_DEFAULTS.rabbitmqManagementUrl,
    port: env[CONFIG_ENV.port] === '0' ? 0 : integer('port', CONFIG_DEFAULTS.port),
    activeWorkerTimeoutMs: integer('activeWorkerTimeoutMs', CONFIG_DEFAULTS.activeWorkerTimeoutMs),
    presenceRefreshMs: integer('presenceRefreshMs', CONFIG_DEFAULTS.presenceRefreshMs),
    relayPollMs: integer('relayPollMs', CONFIG_DEFAULTS.relayPollMs),
    relayBatchSize: integer('relayBatchSize', CONFIG_DEFAULTS.relayBatchSize),
    timerPollMs: integer('timerPollMs', CONFIG_DEFAULTS.timerPollMs),
    routerPrefetch: integer('routerPrefetch', CONFIG_DEFAULTS.routerPrefetch),
    deadLettersKept: integer('deadLettersKept', CONFIG_DEFAULTS.deadLettersKept),
    routerMetricsPort: env[CONFIG_ENV.routerMetricsPort] === '0' ? 0 : integer('routerMetricsPort', CONFIG_DEFAULTS.routerMetricsPort),
    sandboxTimeLimitMs: integer('sandboxTimeLimitMs', CONFIG_DEFAULTS.sandboxTimeLimitMs),
    sandboxMemoryLimitMb: integer('sandboxMemoryLimitMb', CONFIG_DEFAULTS.sandboxMemoryLimitMb),
    httpTaskAllowedHosts,
    httpTaskConnectTimeoutMs: integer('httpTaskConnectTimeoutMs', CONFIG_DEFAULTS.httpTaskConnectTimeoutMs),
    httpTaskReadTimeoutMs: integer('httpTaskReadTimeoutMs', CONFIG_DEFAULTS.httpTaskReadTimeoutMs),
    logLevel: logLevel as TurnoutConfig['logLevel'],
    logFormat: logFormat as TurnoutConfig['logFormat'],
    apiKeys: apiKeys === undefined ? CONFIG_DEFAULTS.apiKeys : parseApiKeys(apiKeys),
    apiTokenTtlSeconds: integer('apiTokenTtlSeconds', CONFIG_DEFAULTS.apiTokenTtlSeconds),
    maxBodyBytes: integer('maxBodyBytes', CONFIG_DEFAULTS.maxBodyBytes),
    otlpEndpoint: otlpEndpointOf(env),
  };
}

/** The pino level of each LOG_LEVEL (Nest's names; Nest's `log` is pino's `info`). */
export const PINO_LEVELS: { readonly [L in TurnoutConfig['logLevel']]: 'error' | 'warn' | 'info' | 'debug' } = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
};
