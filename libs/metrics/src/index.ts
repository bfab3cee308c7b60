export * from './process-registry';
export * from './serve-metrics';
