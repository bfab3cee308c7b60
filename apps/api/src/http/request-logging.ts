import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LevelWithSilent } from 'pino';
import { type HttpLogger, pinoHttp } from 'pino-http';
import type { TurnoutConfig } from '@turnout/config';
import { createTurnoutLogger } from '@turnout/logging';

/**
 * One pino logger for the api: pino-http's line per request, and every Nest
 * Logger through nestjs-pino (ApiModule). It is applied as plain Express
 * middleware rather than through nestjs-pino's request binding, which runs each
 * request in an AsyncLocalStorage: on Node 20 that turns on promise hooks for
 * the whole process, and promise-heavy code (pg, Nest, Express) ran about
 * 2.5 times slower in a micro-benchmark. Nest Logger lines therefore carry no
 * request id; the request's own line does.
 */
export function requestLogging(config: Pick<TurnoutConfig, 'logLevel' | 'logFormat'>): HttpLogger {
  return pinoHttp<IncomingMessage, ServerResponse, never>({
    logger: createTurnoutLogger(config, 'api'),
    // Scrapes and health probes come every few seconds: a line for each would bury the rest.
    autoLogging: { ignore: (request: IncomingMessage) => ['/health', '/metrics'].includes(request.url?.split('?')[0] ?? '') },
    // Starts and polls come by the thousand a second: a request that went well is a debug line,
    // one refused a warning, one that failed an error.
    customLogLevel: (_request: IncomingMessage, response: ServerResponse, error?: Error): LevelWithSilent =>
      error !== undefined || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'debug',
    // Method and URL, never the headers (an X-Authorization token must not reach the log).
    serializers: {
      req: (request: { id: unknown; method: string; url: string }) => ({ id: request.id, method: request.method, url: request.url }),
    },
  });
}
