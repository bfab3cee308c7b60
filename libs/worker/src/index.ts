export * from './task';
export * from './worker-domain';
export * from './worker-definition';
export * from './worker-task.decorator';
// The reconnect policy is the messaging library's (the router reconnects by it too); part of the SDK's API.
export { DEFAULT_RECONNECT_POLICY, type ReconnectPolicy, reconnectDelayMs } from '@turnout/messaging';
export * from './task-worker';
export * from './task-runner';
export type { BrokerUrls } from '@turnout/config';
