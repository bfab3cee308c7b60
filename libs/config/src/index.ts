export * from './turnout-config';
