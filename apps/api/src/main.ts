import 'reflect-metadata';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig, nestLogLevels } from '@turnout/config';
import { ApiModule } from './api.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.register(config), {
    logger: nestLogLevels(config.logLevel),
  });
  app.setGlobalPrefix('api', { exclude: ['health', 'metrics'] });
  // The web UI: static files, no build step (apps/api/src/ui, copied beside main.js by `nest build`).
  app.useStaticAssets(join(__dirname, 'ui'), { prefix: '/ui/', index: 'index.html' });
  app.useBodyParser('json', { limit: '5mb' });
  app.enableShutdownHooks();
  await app.listen(config.port, '0.0.0.0');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  // The e2e tests and scripts read this line to learn the port when PORT=0.
  Logger.log(`api listening on http://127.0.0.1:${port}/api`, 'Api');
}

bootstrap().catch((error: unknown) => {
  Logger.error(`api failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}`, 'Api');
  process.exit(1);
});
