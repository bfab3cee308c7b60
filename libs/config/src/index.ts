export * from './turnout-config';
export * from './broker-urls';
