export * from './migrations/1732200000900-create-workflow-summaries';
export * from './workflow-summary';
export * from './workflow-search-query';
export * from './read-workflow-summaries';
export * from './save-workflow-summaries';
export * from './search-workflow-summaries';
export * from './workflow-summaries-projection';
