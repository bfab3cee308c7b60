export * from './turnout-logger';
export * from './readable-log-line';
export * from './process-ready';
