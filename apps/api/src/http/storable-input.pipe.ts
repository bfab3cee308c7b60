import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { unstorableInputProblems } from '@turnout/domain';
import { InvalidInput } from './api-errors';

/**
 * Every path parameter, query and body, before any route reads it: text
 * PostgreSQL cannot store (NUL, unpaired surrogates) or nesting deeper than
 * MAX_INPUT_DEPTH is a 400 naming the field, in one place rather than a 500
 * from wherever it first met the database or a recursive walk.
 */
@Injectable()
export class StorableInputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const problems =
      metadata.type === 'body'
        ? unstorableInputProblems(value)
        : unstorableInputProblems(value, metadata.data ?? '', metadata.type === 'query' ? 'query' : 'path');
    if (problems.length > 0) throw new InvalidInput(problems);
    return value;
  }
}
