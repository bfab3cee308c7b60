import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { loadConfig } from '@turnout/config';
import { announceReady } from '@turnout/logging';
import { startTracing } from '@turnout/tracing';
import { ApiModule } from './api.module';
import { answerClientErrors } from './http/client-errors';
import { requestLogging } from './http/request-logging';

/**
 * JSON, or untyped with a token: Conductor's SDK resends a request refused for an expired token with its new
 * token and without the original headers. Untyped without one is not read: a web page may send a body with no
 * Content-Type to any origin without asking (no CORS preflight), and an open api would act on it.
 */
function isJsonOrTokenedUntyped(request: IncomingMessage): boolean {
  const type = request.headers['content-type'];
  if (type === undefined) return request.headers['x-authorization'] !== undefined;
  return type.split(';')[0]!.trim().toLowerCase() === 'application/json';
}

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  // Before anything that makes spans; with no OTEL_EXPORTER_OTLP_ENDPOINT, nothing of OpenTelemetry is loaded.
  startTracing(config.otlpEndpoint, 'turnout-api');
  // Held until pino is ready, so that every line, Nest's own included, is pino's at LOG_LEVEL and LOG_FORMAT.
  const requests = requestLogging(config);
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.register(config, requests.logger), { bufferLogs: true });
  app.useLogger(app.get(PinoNestLogger));
  app.use(requests);
  app.setGlobalPrefix('api', { exclude: ['health', 'metrics'] });
  // The web UI: static files, no build step (apps/api/src/ui, copied beside main.js by `npm run build`).
  app.useStaticAssets(join(__dirname, 'ui'), { prefix: '/ui/', index: 'index.html' });
  // Not strict: any JSON value reaches its route (a task log is a bare string); each route refuses with a 400 a body of the wrong kind.
  // Over MAX_BODY_BYTES: a 413 (ApiExceptionFilter).
  app.useBodyParser('json', { limit: config.maxBodyBytes, strict: false, type: isJsonOrTokenedUntyped });
  app.enableShutdownHooks();
  answerClientErrors(app.getHttpServer());
  await app.listen(config.port, '0.0.0.0');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  // The e2e tests and scripts read this line to learn the port when PORT=0.
  Logger.log(`api listening on http://127.0.0.1:${port}/api`, 'Api');
  announceReady({ kind: 'turnout.process-ready', app: 'api', port });
}

bootstrap().catch((error: unknown) => {
  Logger.error(`api failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}`, 'Api');
  process.exit(1);
});
