import { ApiTokens, sameSecret } from './api-tokens';

const KEYS = [
  { keyId: 'ci', keySecret: 'ci-secret' },
  { keyId: 'ops', keySecret: 'ops-secret' },
];
const NOW = 1_760_000_000_000;
const TTL_SECONDS = 60;

describe('ApiTokens', () => {
  const tokens = new ApiTokens(KEYS, TTL_SECONDS);

  describe('issue', () => {
    it('answers a token for a configured key and its secret', () => {
      const token = tokens.issue('ops', 'ops-secret', NOW);
      expect(token).toMatch(/^[\w-]+\.[\w-]+$/);
      expect(tokens.verify(token!, NOW)).toEqual({ keyId: 'ops', expiresAt: NOW + TTL_SECONDS * 1000 });
    });

    it('answers none for a wrong secret, another key\'s secret or an unknown key id', () => {
      expect(tokens.issue('ops', 'ops-secreT', NOW)).toBeNull();
      expect(tokens.issue('ops', 'ci-secret', NOW)).toBeNull();
      expect(tokens.issue('nobody', 'ops-secret', NOW)).toBeNull();
      expect(tokens.issue('ops', '', NOW)).toBeNull();
    });

    it('is enabled only with keys', () => {
      expect(tokens.enabled).toBe(true);
      expect(new ApiTokens([], TTL_SECONDS).enabled).toBe(false);
    });
  });

  describe('verify', () => {
    const token = tokens.issue('ci', 'ci-secret', NOW)!;

    it('accepts the token until it expires, and not from then on', () => {
      expect(tokens.verify(token, NOW + TTL_SECONDS * 1000 - 1)).toEqual({ keyId: 'ci', expiresAt: NOW + TTL_SECONDS * 1000 });
      expect(tokens.verify(token, NOW + TTL_SECONDS * 1000)).toBeNull();
    });

    it('is accepted by another api given the same keys, in any order (no shared memory)', () => {
      expect(new ApiTokens([...KEYS].reverse(), TTL_SECONDS).verify(token, NOW)).not.toBeNull();
    });

    it('is refused once API_KEYS changes: another secret, or its key removed', () => {
      expect(new ApiTokens([{ keyId: 'ci', keySecret: 'rotated' }, KEYS[1]!], TTL_SECONDS).verify(token, NOW)).toBeNull();
      expect(new ApiTokens([KEYS[1]!], TTL_SECONDS).verify(token, NOW)).toBeNull();
    });

    it('refuses a token whose claims were changed (a later expiry, another key) or whose signature was', () => {
      const [claims, signature] = token.split('.') as [string, string];
      const forged = (changed: object) => `${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}`;
      expect(tokens.verify(forged({ keyId: 'ci', expiresAt: NOW + 10 * TTL_SECONDS * 1000 }), NOW)).toBeNull();
      expect(tokens.verify(forged({ keyId: 'ops', expiresAt: NOW + TTL_SECONDS * 1000 }), NOW)).toBeNull();
      const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
      expect(tokens.verify(`${claims}.${flipped}`, NOW)).toBeNull();
      expect(tokens.verify(`${claims}.${signature.slice(0, -2)}`, NOW)).toBeNull();
    });

    it('refuses anything that is not a token', () => {
      for (const garbage of [undefined, '', '.', 'abc', `${token}.x`, 'Bearer x.y', '\u0000.\u0000']) {
        expect([garbage, tokens.verify(garbage, NOW)]).toEqual([garbage, null]);
      }
    });

    it('refuses well-signed claims that are not claims (as a key signing the same way would issue)', () => {
      const signer = new ApiTokens(KEYS, TTL_SECONDS) as unknown as { signature(claims: string): string };
      for (const claims of ['null', '[]', '{"keyId":"ci"}', '{"keyId":1,"expiresAt":9e15}', 'not json']) {
        const encoded = Buffer.from(claims).toString('base64url');
        expect([claims, tokens.verify(`${encoded}.${signer.signature(encoded)}`, NOW)]).toEqual([claims, null]);
      }
    });
  });
});

describe('sameSecret', () => {
  it('tells equal secrets from different ones of any length, without throwing on a length mismatch', () => {
    expect(sameSecret('s3cret', 's3cret')).toBe(true);
    expect(sameSecret('s3cret', 's3creT')).toBe(false);
    expect(sameSecret('s3cret', 's3cret-and-more')).toBe(false);
    expect(sameSecret('', 's3cret')).toBe(false);
  });
});
