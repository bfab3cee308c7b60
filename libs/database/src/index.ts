export * from './open-database';
export * from './turnout-migrations';
