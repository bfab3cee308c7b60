import { All, Body, Controller, HttpCode, Post } from '@nestjs/common';
import { type FieldError, isRecord } from '@turnout/domain';
import { OpenRoute } from '../auth/api-key.guard';
import { ApiTokens } from '../auth/api-tokens';
import { InvalidInput, NotFound, Unauthorized } from '../http/api-errors';

/**
 * Conductor's key exchange: `{keyId, keySecret}` for `{token}`, which callers
 * send back in X-Authorization. Without API keys it answers 404, on which
 * Conductor's SDKs carry on without authentication.
 */
@Controller('token')
@OpenRoute()
export class TokenController {
  constructor(private readonly tokens: ApiTokens) {}

  @Post()
  @HttpCode(200)
  issue(@Body() body: unknown): { token: string } {
    if (!this.tokens.enabled) throw new NotFound('API keys are not configured');
    if (!isRecord(body)) throw new InvalidInput([{ path: 'body', message: 'must be an object with keyId and keySecret' }]);
    const errors: FieldError[] = [];
    if (typeof body.keyId !== 'string') errors.push({ path: 'keyId', message: 'must be a string' });
    if (typeof body.keySecret !== 'string') errors.push({ path: 'keySecret', message: 'must be a string' });
    if (errors.length > 0 || typeof body.keyId !== 'string' || typeof body.keySecret !== 'string') throw new InvalidInput(errors);
    const token = this.tokens.issue(body.keyId, body.keySecret, Date.now());
    if (token === null) throw new Unauthorized();
    return { token };
  }

  @All()
  other(): never {
    throw new NotFound(this.tokens.enabled ? 'POST keyId and keySecret for a token' : 'API keys are not configured');
  }
}
