export * from './script-sandbox';
