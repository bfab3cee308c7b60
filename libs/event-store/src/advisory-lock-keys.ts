/**
 * Postgres advisory-lock keys, one per thing that must run once at a time per
 * database. Every Turnout process uses these, so two never pick one by chance.
 */
export const ADVISORY_LOCK_KEYS = {
  /** Schema migrations: processes starting together take turns. */
  migrations: 7_251_001,
  /** The outbox relay: one relay per database publishes, the others wait. */
  outboxRelay: 7_251_002,
  /** The projection runner: one runner per database applies committed events, the others wait. */
  projections: 7_251_003,
  /**
   * Held shared, never exclusive: a transaction that will append no event says
   * so, and readers of the log do not wait for it (declareNotAppending).
   */
  notAppending: 7_251_004,
} as const;
