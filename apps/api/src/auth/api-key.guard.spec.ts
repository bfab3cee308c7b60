import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Unauthorized } from '../http/api-errors';
import { ApiKeyGuard, OpenRoute } from './api-key.guard';
import { ApiTokens } from './api-tokens';

class GuardedController {
  route(): void {}
}

@OpenRoute()
class OpenController {
  route(): void {}
}

/** The request a route would get, with `headers`, reaching `controller.route`. */
function requestTo(controller: new () => { route(): void }, headers: Record<string, string | string[]> = {}): ExecutionContext {
  return {
    getHandler: () => controller.prototype.route,
    getClass: () => controller,
    switchToHttp: () => ({ getRequest: () => ({ headers }) }),
  } as unknown as ExecutionContext;
}

describe('ApiKeyGuard', () => {
  const tokens = new ApiTokens([{ keyId: 'ci', keySecret: 'ci-secret' }], 60);

  describe('without API keys', () => {
    const guard = new ApiKeyGuard(new Reflector(), new ApiTokens([], 60));

    it('lets every request through, token or not', () => {
      expect(guard.canActivate(requestTo(GuardedController))).toBe(true);
      expect(guard.canActivate(requestTo(GuardedController, { 'x-authorization': 'nonsense' }))).toBe(true);
    });
  });

  describe('with API keys', () => {
    const guard = new ApiKeyGuard(new Reflector(), tokens);

    it('lets a request with a good token through', () => {
      const token = tokens.issue('ci', 'ci-secret', Date.now())!;
      expect(guard.canActivate(requestTo(GuardedController, { 'x-authorization': token }))).toBe(true);
    });

    it('refuses with a 401 a request with no token, a wrong one, an expired one, or the header twice', () => {
      const token = tokens.issue('ci', 'ci-secret', Date.now())!;
      const expired = tokens.issue('ci', 'ci-secret', Date.now() - 61_000)!;
      const refused: Array<Record<string, string | string[]>> = [{}, { 'x-authorization': 'x.y' }, { 'x-authorization': expired }, { 'x-authorization': [token, token] }, { authorization: `Bearer ${token}` }];
      for (const headers of refused) {
        expect(() => guard.canActivate(requestTo(GuardedController, headers))).toThrow(Unauthorized);
      }
    });

    it('lets anyone reach an OpenRoute controller', () => {
      expect(guard.canActivate(requestTo(OpenController))).toBe(true);
    });
  });
});
