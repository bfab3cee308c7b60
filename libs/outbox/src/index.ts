export * from './outbox-messages';
export * from './outbox-relay';
