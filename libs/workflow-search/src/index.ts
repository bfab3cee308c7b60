export * from './migrations/1732200000900-create-workflow-summaries';
export * from './workflow-summary';
export * from './workflow-search-query';
