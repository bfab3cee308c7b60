export * from './child-run-action';
export * from './sub-workflow-reactions';
