export * from './topology';
export * from './task-message';
export * from './task-result';
export * from './heartbeat';
export * from './message-validation';
export * from './confirmed-publish';
export * from './dead-letter';
export * from './broker-connection';
