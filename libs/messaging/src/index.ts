export * from './topology';
export * from './task-message';
export * from './task-result';
export * from './heartbeat';
export * from './message-validation';
export * from './broker-connection';
