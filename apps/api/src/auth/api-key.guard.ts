import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { Unauthorized } from '../http/api-errors';
import { ApiTokens } from './api-tokens';

const OPEN_ROUTE = 'turnout:open-route';

/** A controller (or route) every caller may reach when API keys are set: health, metrics, and the token exchange itself. */
export const OpenRoute = () => SetMetadata(OPEN_ROUTE, true);

/**
 * With API keys configured, every route not marked OpenRoute wants a token
 * from POST /api/token in X-Authorization (Conductor's scheme); a missing,
 * wrong or expired one is a 401 and nothing more. Without keys, every route is open.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokens,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.tokens.enabled) return true;
    if (this.reflector.getAllAndOverride<boolean>(OPEN_ROUTE, [context.getHandler(), context.getClass()]) === true) return true;
    const header = context.switchToHttp().getRequest<Request>().headers['x-authorization'];
    if (typeof header !== 'string' || this.tokens.verify(header, Date.now()) === null) throw new Unauthorized();
    return true;
  }
}
