export * from './load-workflow';
export * from './workflow-command-handler';
export * from './migrations/1732200000400-create-task-leases';
export * from './record-task-lease';
export * from './claim-due-leases';
export * from './release-task-lease';
