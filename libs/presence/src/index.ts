export * from './migrations/1732200000200-create-worker-presence';
export * from './record-sightings';
export * from './read-sightings';
export * from './batched-sighting-recorder';
export * from './list-worker-presence';
export * from './followed-presence';
