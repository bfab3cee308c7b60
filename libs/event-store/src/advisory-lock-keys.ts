/**
 * Postgres advisory-lock keys, one per thing that must run once at a time per
 * database. Every Turnout process uses these, so two never pick one by chance.
 */
export const ADVISORY_LOCK_KEYS = {
  /** Schema migrations: processes starting together take turns. */
  migrations: 7_251_001,
  /** The outbox relay: one relay per database publishes, the others wait. */
  outboxRelay: 7_251_002,
  /** A projection runner: one per database and projection group applies committed events, the others wait. */
  projections: 7_251_003,
  /** The search projection's own runner (it keeps its own pace and checkpoint). */
  workflowSummariesProjection: 7_251_004,
} as const;
