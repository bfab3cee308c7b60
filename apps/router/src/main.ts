import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { loadConfig } from '@turnout/config';
import { announceReady } from '@turnout/logging';
import { startTracing } from '@turnout/tracing';
import { assertRouterTopology } from '@turnout/messaging';
import { RoutingMetrics } from './metrics/routing-metrics';
import { RouterModule } from './router.module';
import { AmqpConsumerTransport } from './transport/amqp-consumer-transport';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  // Before anything that makes spans; with no OTEL_EXPORTER_OTLP_ENDPOINT, nothing of OpenTelemetry is loaded.
  startTracing(config.otlpEndpoint, 'turnout-router');
  const router = await NestFactory.createMicroservice(RouterModule.register(config), {
    strategy: new AmqpConsumerTransport({
      amqpUrl: config.amqpUrl,
      prefetch: config.routerPrefetch,
      assertTopology: assertRouterTopology,
    }),
    // Held until pino is ready, so that every line, the transport's included, is pino's at LOG_LEVEL and LOG_FORMAT.
    bufferLogs: true,
  });
  router.useLogger(router.get(PinoNestLogger));
  router.enableShutdownHooks();
  await router.listen();
  Logger.log(`router started (active worker timeout ${config.activeWorkerTimeoutMs} ms)`, 'Router');
  announceReady({ kind: 'turnout.process-ready', app: 'router', metricsPort: router.get(RoutingMetrics).servedPort() });
}

bootstrap().catch((error: unknown) => {
  Logger.error(`router failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}`, 'Router');
  process.exit(1);
});
