import { hostname } from 'node:os';
import pino, { type DestinationStream, type Logger } from 'pino';
import { PINO_LEVELS, type TurnoutConfig } from '@turnout/config';
import { readableLogLine } from './readable-log-line';

/** The two processes of Turnout, as their log lines name them. */
export type TurnoutApp = 'api' | 'router';

/**
 * The one pino logger of a Turnout process, which every Nest Logger writes
 * through (nestjs-pino). Each line is one JSON object with `level` (a name,
 * not pino's number), `time` (ISO 8601), `app`, `component` (the Nest
 * logger's context, else the app) and whatever ids the call gave
 * (`workflowId`, `taskId`); with LOG_FORMAT=text the same record is written
 * as a line for people instead (readableLogLine).
 */
export function createTurnoutLogger(
  config: Pick<TurnoutConfig, 'logLevel' | 'logFormat'>,
  app: TurnoutApp,
  // Tests read the lines here; processes write to stdout.
  output: { write(line: string): void } = process.stdout,
): Logger {
  const logger = pino(
    {
      level: PINO_LEVELS[config.logLevel],
      base: { app, pid: process.pid, hostname: hostname() },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        // nestjs-pino names the context `context`; the line calls it component, and every line has one.
        log: ({ context, ...fields }) => ({ component: typeof context === 'string' ? context : app, ...fields }),
      },
    },
    destinationFor(config.logFormat, output),
  );
  return logger;
}

function destinationFor(format: TurnoutConfig['logFormat'], output: { write(line: string): void }): DestinationStream {
  switch (format) {
    case 'json':
      return { write: (line) => output.write(line) };
    case 'text':
      // pino serialises first (serializers, redaction, errors as objects), so both formats show the same fields.
      return { write: (line) => output.write(`${readableLogLine(JSON.parse(line) as Record<string, unknown>)}\n`) };
    default: {
      const unknownFormat: never = format;
      throw new Error(`unknown log format ${String(unknownFormat)}`);
    }
  }
}
