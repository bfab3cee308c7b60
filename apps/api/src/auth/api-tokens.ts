import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKey } from '@turnout/config';

/** What a token carries: the key it was issued to and when it stops being good (epoch ms). */
export interface ApiTokenClaims {
  keyId: string;
  expiresAt: number;
}

/** Equal secrets, compared in constant time: both hashed first, so neither the content nor the length shows in the timing. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * Conductor's key exchange (POST /api/token: keyId and keySecret for a token)
 * without a database: a token is its claims, base64url JSON, and an HMAC-SHA256
 * of them, `<claims>.<signature>`. The signing key is derived from every
 * configured key, so every api instance given the same API_KEYS accepts the
 * tokens of the others, and changing API_KEYS ends every token issued before.
 */
export class ApiTokens {
  private readonly signingKey: Buffer;
  /** Compared against when the keyId is unknown, so an unknown id costs the same time as a wrong secret. */
  private readonly decoySecret = randomBytes(32).toString('hex');

  constructor(
    private readonly keys: readonly ApiKey[],
    private readonly ttlSeconds: number,
  ) {
    const canonical = JSON.stringify([...keys].sort((a, b) => (a.keyId < b.keyId ? -1 : 1)).map((key) => [key.keyId, key.keySecret]));
    this.signingKey = createHmac('sha256', 'turnout api tokens v1').update(canonical).digest();
  }

  /** False when no key is configured: the api runs open. */
  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** A token for a configured key and its secret; null for anything else (the caller says no more than 401). */
  issue(keyId: string, keySecret: string, now: number): string | null {
    const key = this.keys.find((candidate) => candidate.keyId === keyId);
    const secretMatches = sameSecret(keySecret, key?.keySecret ?? this.decoySecret);
    if (key === undefined || !secretMatches) return null;
    const claims = base64url(JSON.stringify({ keyId, expiresAt: now + this.ttlSeconds * 1000 } satisfies ApiTokenClaims));
    return `${claims}.${this.signature(claims)}`;
  }

  /** The token's claims when it was issued here (or by an api with the same API_KEYS), for a key still configured, and not expired at `now`; else null. */
  verify(token: string | undefined, now: number): ApiTokenClaims | null {
    if (token === undefined) return null;
    const parts = token.split('.');
    if (parts.length !== 2) return null;
    const [claims, signature] = parts as [string, string];
    const given = Buffer.from(signature, 'base64url');
    const expected = Buffer.from(this.signature(claims), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { keyId, expiresAt } = parsed as Partial<ApiTokenClaims>;
    if (typeof keyId !== 'string' || typeof expiresAt !== 'number' || expiresAt <= now) return null;
    if (!this.keys.some((key) => key.keyId === keyId)) return null;
    return { keyId, expiresAt };
  }

  private signature(claims: string): string {
    return createHmac('sha256', this.signingKey).update(claims).digest('base64url');
  }
}
