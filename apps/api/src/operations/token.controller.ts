import { All, Controller } from '@nestjs/common';
import { NotFound } from '../http/api-errors';

/**
 * Turnout has no API keys: /api/token answers 404, on which Conductor's SDKs
 * carry on without authentication.
 */
@Controller('token')
export class TokenController {
  @All()
  token(): never {
    throw new NotFound('API keys are not configured');
  }
}
