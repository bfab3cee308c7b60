export * from './child-run-action';
export * from './sub-workflow-reactions';
export * from './start-workflow-reactions';
