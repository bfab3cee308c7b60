import { describeFieldErrors } from '@turnout/domain';
import { parseHeartbeat } from './heartbeat';
import { parseTaskMessage } from './task-message';
import { parseTaskResult, taskResultProperties, validateTaskResult } from './task-result';
import { parseTaskSuperseded } from './task-superseded';

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('the message parsers report field errors', () => {
  it('reads a task message, with inputData {} when it is absent', () => {
    const parsed = parseTaskMessage(json({ taskId: 't', workflowInstanceId: 'w', taskType: 'x' }));
    expect(parsed).toEqual({ ok: true, value: { taskId: 't', workflowInstanceId: 'w', taskType: 'x', inputData: {} } });
  });

  it('refuses a task message without its ids, or with inputData that is not an object, naming each field', () => {
    expect(parseTaskMessage(json({ taskId: '', inputData: [1] }))).toEqual({
      ok: false,
      errors: [
        { path: 'taskId', message: 'must be a non-empty string' },
        { path: 'workflowInstanceId', message: 'must be a non-empty string' },
        { path: 'inputData', message: 'must be an object' },
      ],
    });
  });

  it('words a body that is not a JSON object as the dead-letter reason always read', () => {
    const notJson = parseTaskMessage(Buffer.from('{oops'));
    expect(!notJson.ok && describeFieldErrors(notJson.errors)).toMatch(/^body is not JSON: /);
    const notObject = parseTaskResult(json([1]));
    expect(!notObject.ok && describeFieldErrors(notObject.errors)).toBe('body must be a JSON object');
  });

  it('refuses text PostgreSQL cannot store (NUL, unpaired surrogates) or nesting over 64 levels, naming the field, in any message', () => {
    const nul = parseTaskResult(Buffer.from('{"taskId": "t", "workflowInstanceId": "w", "status": "COMPLETED", "outputData": {"note": "a\\u0000b"}}'));
    expect(!nul.ok && describeFieldErrors(nul.errors)).toBe('outputData.note: must not contain NUL characters or unpaired surrogates');
    const surrogate = parseHeartbeat(Buffer.from('{"taskType": "x", "domain": null, "workerId": "w\\ud800", "at": 0}'), 1_000);
    expect(!surrogate.ok && describeFieldErrors(surrogate.errors)).toBe('workerId: must not contain NUL characters or unpaired surrogates');
    const deep = parseTaskMessage(Buffer.from(`{"taskId": "t", "workflowInstanceId": "w", "inputData": ${'['.repeat(70)}${']'.repeat(70)}}`));
    expect(!deep.ok && describeFieldErrors(deep.errors)).toMatch(/is nested more than 64 levels deep$/);
  });

  it('refuses a worker id that presence cannot record (over 255 bytes, control characters), in a heartbeat or a result', () => {
    const long = parseHeartbeat(json({ taskType: 'x', domain: null, workerId: 'w'.repeat(256), at: 0 }), 1_000);
    expect(!long.ok && describeFieldErrors(long.errors)).toBe('workerId: is 256 bytes; a worker id may have 255');
    const control = validateTaskResult({ taskId: 'x', workflowInstanceId: 'y', status: 'COMPLETED', workerId: 'w\n2' });
    expect(!control.ok && describeFieldErrors(control.errors)).toBe('workerId: must not contain control characters');
    // A blank worker id names no worker, as none does.
    expect(validateTaskResult({ taskId: 'x', workflowInstanceId: 'y', status: 'COMPLETED', workerId: ' ' })).toMatchObject({ ok: true, value: { workerId: null } });
  });

  it('gives the api the field errors of a task result as they are', () => {
    expect(validateTaskResult({ taskId: 'x', workflowInstanceId: 'y', status: 'DONE' })).toEqual({
      ok: false,
      errors: [{ path: 'status', message: 'must be one of IN_PROGRESS, COMPLETED, FAILED, FAILED_WITH_TERMINAL_ERROR' }],
    });
    expect(validateTaskResult({ taskId: 'x', workflowInstanceId: 'y', status: 'COMPLETED' })).toEqual({
      ok: true,
      value: { taskId: 'x', workflowInstanceId: 'y', status: 'COMPLETED', outputData: {}, reasonForIncompletion: null, workerId: null },
    });
  });

  it('reads IN_PROGRESS with callbackAfterSeconds, a whole number of 0 or more', () => {
    expect(validateTaskResult({ taskId: 'x', workflowInstanceId: 'y', status: 'IN_PROGRESS', callbackAfterSeconds: 30, workerId: 'w' })).toEqual({
      ok: true,
      value: { taskId: 'x', workflowInstanceId: 'y', status: 'IN_PROGRESS', outputData: {}, reasonForIncompletion: null, workerId: 'w', callbackAfterSeconds: 30 },
    });
    expect(validateTaskResult({ taskId: 'x', workflowInstanceId: 'y', status: 'IN_PROGRESS', callbackAfterSeconds: null })).toMatchObject({
      ok: true,
      value: expect.not.objectContaining({ callbackAfterSeconds: expect.anything() }),
    });
    for (const callbackAfterSeconds of [-1, 1.5, '10', Number.POSITIVE_INFINITY]) {
      expect(validateTaskResult({ taskId: 'x', workflowInstanceId: 'y', status: 'IN_PROGRESS', callbackAfterSeconds })).toEqual({
        ok: false,
        errors: [{ path: 'callbackAfterSeconds', message: 'must be a whole number, 0 or more' }],
      });
    }
  });

  it('publishes progress and outcome of a task under message ids of their own', () => {
    const ids = (['IN_PROGRESS', 'COMPLETED'] as const).map((status) => taskResultProperties({ taskId: 't', workflowInstanceId: 'w', status }).messageId);
    expect(ids).toEqual(['t:in-progress', 't:result']);
  });

  it('reads a superseded signal, and refuses one without its ids', () => {
    expect(parseTaskSuperseded(json({ taskId: 't', workflowInstanceId: 'w', reason: 'poll timeout' }))).toEqual({
      ok: true,
      value: { taskId: 't', workflowInstanceId: 'w', reason: 'poll timeout' },
    });
    const refused = parseTaskSuperseded(json({ workflowInstanceId: 'w' }));
    expect(!refused.ok && describeFieldErrors(refused.errors)).toBe('taskId: must be a non-empty string');
  });

  it('refuses a heartbeat whose task type makes no queue name (over 255 bytes) or has control characters', () => {
    const long = parseHeartbeat(json({ taskType: 'x'.repeat(256), domain: null, workerId: 'w', at: 0 }), 1_000);
    expect(!long.ok && describeFieldErrors(long.errors)).toMatch(/^taskType: queue name "x+…" is 256 bytes; RabbitMQ allows 255$/);
    const withDomain = parseHeartbeat(json({ taskType: 'x'.repeat(251), domain: 'doug', workerId: 'w', at: 0 }), 1_000);
    expect(!withDomain.ok && describeFieldErrors(withDomain.errors)).toMatch(/^domain: queue name "x+…" is 256 bytes; RabbitMQ allows 255$/);
    const control = parseHeartbeat(json({ taskType: 'x\u0007y', domain: null, workerId: 'w', at: 0 }), 1_000);
    expect(!control.ok && describeFieldErrors(control.errors)).toBe('taskType: must not contain control characters');
  });

  it('refuses a heartbeat with a domain that is no name', () => {
    const parsed = parseHeartbeat(json({ taskType: 'x', domain: 'a@b', workerId: 'w', at: 0 }), 1_000);
    expect(!parsed.ok && describeFieldErrors(parsed.errors)).toMatch(/^domain: must not contain "@"/);
  });

  it('reads a heartbeat as a sighting at the time it was received, whatever time the worker says', () => {
    const receivedAt = Date.parse('2026-01-01T12:00:00Z');
    for (const at of ['2026-01-01T12:10:00Z', '2026-01-01T11:50:00Z', receivedAt - 600_000]) {
      const parsed = parseHeartbeat(json({ taskType: 'x', domain: 'd', workerId: 'w', at }), receivedAt);
      expect(parsed).toEqual({ ok: true, value: { sighting: { taskType: 'x', domain: 'd', workerId: 'w', seenAt: receivedAt, gone: false }, transport: 'amqp' } });
    }
    const noTime = parseHeartbeat(json({ taskType: 'x', domain: 'd', workerId: 'w', at: 'soon' }), receivedAt);
    expect(!noTime.ok && describeFieldErrors(noTime.errors)).toMatch(/^at: must be an ISO-8601 time/);
  });
});
