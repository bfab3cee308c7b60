import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig, nestLogLevels } from '@turnout/config';
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
    logger: nestLogLevels(config.logLevel),
  });
  router.enableShutdownHooks();
  await router.listen();
  Logger.log(`router started (active worker timeout ${config.activeWorkerTimeoutMs} ms)`, 'Router');
}

bootstrap().catch((error: unknown) => {
  Logger.error(`router failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}`, 'Router');
  process.exit(1);
});
