export * from './migrations/1732200000600-create-timers';
export * from './record-timers';
export * from './claim-due-timers';
export * from './delete-timer';
export * from './delete-ended-timers';
export * from './timer-changes';
export * from './timers-projection';
