export * from './migrations/1732200001600-create-dead-letters';
export * from './record-dead-letter';
export * from './trim-dead-letters';
export * from './list-dead-letters';
