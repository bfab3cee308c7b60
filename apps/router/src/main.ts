import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { loadConfig } from '@turnout/config';
import { assertRouterTopology } from '@turnout/messaging';
import { RouterModule } from './router.module';
import { AmqpConsumerTransport } from './transport/amqp-consumer-transport';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const router = await NestFactory.createMicroservice(RouterModule.register(config), {
    strategy: new AmqpConsumerTransport({
      amqpUrl: config.amqpUrl,
      prefetch: config.routerPrefetch,
      assertTopology: assertRouterTopology,
    }),
    // Held until pino is ready, so that every line, the transport's included, is pino's JSON at LOG_LEVEL.
    bufferLogs: true,
  });
  router.useLogger(router.get(PinoNestLogger));
  router.enableShutdownHooks();
  await router.listen();
  Logger.log(`router started (active worker timeout ${config.activeWorkerTimeoutMs} ms)`, 'Router');
}

bootstrap().catch((error: unknown) => {
  Logger.error(`router failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}`, 'Router');
  process.exit(1);
});
