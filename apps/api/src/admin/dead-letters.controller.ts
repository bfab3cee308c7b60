import { Controller, Get, Inject, Query } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { listDeadLetters } from '@turnout/dead-letters';
import type { FieldError } from '@turnout/domain';
import type { DeadLetter } from '@turnout/messaging';
import { DATA_SOURCE } from '../api.tokens';
import { InvalidInput } from '../http/api-errors';
import { pageNumber } from '../http/page-parameters';

const DEFAULT_SIZE = 20;
const MAX_SIZE = 1000;

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A dead letter as the API shows it: the body as text when it is UTF-8, else base64. */
function deadLetterView({ body, ...letter }: DeadLetter) {
  try {
    return { ...letter, body: STRICT_UTF8.decode(body), bodyEncoding: 'utf8' };
  } catch {
    return { ...letter, body: body.toString('base64'), bodyEncoding: 'base64' };
  }
}

/**
 * The messages Turnout refused, for operators: newest first, each with its
 * reason, the queue it came from, when, and the original body and properties
 * (`start`, `size` page them; `totalHits` counts all kept).
 */
@Controller('admin/dead-letters')
export class DeadLettersController {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  @Get()
  async list(@Query() parameters: Record<string, unknown>) {
    const errors: FieldError[] = [];
    const start = pageNumber(parameters.start, 0, 'start', Number.MAX_SAFE_INTEGER, errors);
    const size = pageNumber(parameters.size, DEFAULT_SIZE, 'size', MAX_SIZE, errors);
    if (errors.length > 0) throw new InvalidInput(errors);
    const page = await listDeadLetters(this.db, start, size);
    return { totalHits: page.totalHits, results: page.results.map(deadLetterView) };
  }
}
