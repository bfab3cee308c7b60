export * from './tracing';
export * from './amqp-trace-headers';
export * from './event-trace-metadata';
