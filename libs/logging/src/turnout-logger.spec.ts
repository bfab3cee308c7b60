import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import { __resetOutOfContextForTests } from 'nestjs-pino/PinoLogger';
import { CONFIG_DEFAULTS, type TurnoutConfig } from '@turnout/config';
import { createTurnoutLogger } from './turnout-logger';

/** A Nest logger writing through createTurnoutLogger as the apps' do (nestjs-pino), its lines kept. */
function nestLoggerWritingTo(logFormat: TurnoutConfig['logFormat']) {
  const lines: string[] = [];
  const logger = createTurnoutLogger({ ...CONFIG_DEFAULTS, logLevel: 'debug', logFormat }, 'router', { write: (line) => void lines.push(line) });
  const nest = new NestPinoLogger(new PinoLogger({ pinoHttp: { logger } }), {});
  return { nest, lines: () => lines.join('').split('\n').filter((line) => line !== '') };
}

describe('Turnout log lines', () => {
  // nestjs-pino keeps the first logger it is given for the whole process, as a process has one.
  beforeEach(() => __resetOutOfContextForTests());

  it('with LOG_FORMAT=json, one JSON object per line: level by name, ISO time, app, component, and the ids the call gave', () => {
    const { nest, lines } = nestLoggerWritingTo('json');
    nest.log({ msg: 'retry delay of task t-1 of workflow w-1: TaskScheduled', workflowId: 'w-1', taskId: 't-1' }, 'DueTimersService');
    nest.warn('broker connection closed; reconnecting');

    const [timer, warning, ...rest] = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rest).toEqual([]);
    expect(timer).toMatchObject({
      level: 'info',
      app: 'router',
      component: 'DueTimersService',
      msg: 'retry delay of task t-1 of workflow w-1: TaskScheduled',
      workflowId: 'w-1',
      taskId: 't-1',
    });
    expect(new Date(String(timer?.time)).toISOString()).toBe(timer?.time);
    expect(timer).not.toHaveProperty('context');
    // No context given: the app is the component.
    expect(warning).toMatchObject({ level: 'warn', component: 'router', msg: 'broker connection closed; reconnecting' });
  });

  it('otherwise, one readable line per record: time of day, level, app, component, message, then the ids', () => {
    const { nest, lines } = nestLoggerWritingTo('text');
    nest.log({ msg: 'retry delay of workflow w-1: TaskScheduled', workflowId: 'w-1' }, 'DueTimersService');
    nest.error(new Error('relay failed'), 'OutboxRelayService');

    const [timer, failure, ...stack] = lines();
    expect(timer).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  router \[DueTimersService\] retry delay of workflow w-1: TaskScheduled workflowId=w-1$/);
    expect(failure).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR router \[OutboxRelayService\]/);
    expect(stack[0]).toBe('Error: relay failed');
    expect(lines().some((line) => line.startsWith('{'))).toBe(false);
  });

  it('writes nothing below LOG_LEVEL', () => {
    const lines: string[] = [];
    const logger = createTurnoutLogger({ logLevel: 'warn', logFormat: 'json' }, 'api', { write: (line) => void lines.push(line) });
    logger.info('not shown');
    logger.warn('shown');
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['shown']);
  });
});
