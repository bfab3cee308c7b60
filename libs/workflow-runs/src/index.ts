export * from './load-workflow';
export * from './workflow-command-handler';
export * from './migrations/1732200000400-create-task-leases';
export * from './migrations/1732200000700-drop-task-leases';
export * from './workflow-starts';
