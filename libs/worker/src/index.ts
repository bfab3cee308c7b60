export * from './task';
export * from './worker-domain';
export * from './worker-definition';
export * from './worker-task.decorator';
export * from './reconnect-backoff';
export * from './task-worker';
export * from './task-runner';
export type { BrokerUrls } from '@turnout/config';
