/**
 * The cost of one routing decision as workers and domains grow: the same
 * resolveDomain and PresenceSnapshot the router uses, with a taskToDomain value
 * of five fallback domains where only the fifth has live workers.
 */
import { PresenceSnapshot, parseTaskToDomain, resolveDomain } from '@turnout/domain';

export interface RoutingScaleFigure {
  workers: number;
  domains: number;
  decisionMicros: number;
}

export function measureRoutingDecision(workers: number, domains: number, iterations: number): RoutingScaleFigure {
  const now = Date.now();
  const snapshot = new PresenceSnapshot();
  for (let i = 0; i < workers; i += 1) {
    snapshot.apply({ taskType: 'charge_card', domain: `d${i % domains}`, workerId: `w${i}`, seenAt: now, gone: false });
  }
  // d0..d3 have workers but are listed with a suffix that has none; d4 is alive.
  const parsed = parseTaskToDomain({ charge_card: 'd0_gone,d1_gone,d2_gone,d3_gone,d4,NO_DOMAIN' });
  if (!parsed.ok) throw new Error('bench map is invalid');
  const input = { taskType: 'charge_card', taskToDomain: parsed.value, presence: snapshot, now, activeWorkerTimeoutMs: 10_000 };
  for (let i = 0; i < 10_000; i += 1) resolveDomain(input);
  const started = process.hrtime.bigint();
  let chosen = '';
  for (let i = 0; i < iterations; i += 1) chosen = resolveDomain(input).queueName;
  const micros = Number(process.hrtime.bigint() - started) / 1000 / iterations;
  if (chosen !== 'charge_card@d4') throw new Error(`bench routed to ${chosen}`);
  return { workers, domains, decisionMicros: micros };
}
