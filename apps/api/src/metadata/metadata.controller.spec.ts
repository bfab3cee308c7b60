import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { migratedDatabaseForSuite } from '../../../../test/support/migrated-database';
import { DATA_SOURCE } from '../api.tokens';
import { ApiExceptionFilter } from '../http/api-exception.filter';
import { MetadataController } from './metadata.controller';
import { WorkflowDefinitionCache } from './workflow-definition-cache';

/** The metadata routes over HTTP, as the api serves them, on a database of their own. */
describe('MetadataController: registering workflows with sub-workflows', () => {
  const fixture = migratedDatabaseForSuite('metadata_http');
  let app: INestApplication;
  let baseUrl: string;
  let counter = 0;
  /** Workflow names of each test's own. */
  const unique = (label: string) => `${label}_${++counter}`;

  beforeAll(async () => {
    const module = await Test.createTestingModule({
      controllers: [MetadataController],
      providers: [{ provide: DATA_SOURCE, useValue: fixture.db }, WorkflowDefinitionCache, { provide: APP_FILTER, useClass: ApiExceptionFilter }],
    }).compile();
    app = module.createNestApplication({ logger: false });
    app.setGlobalPrefix('api');
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
  });

  const send = async (method: 'POST' | 'PUT', path: string, body: unknown) => {
    const response = await fetch(`${baseUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };
  const storedVersions = async (name: string) =>
    ((await fixture.db.query('select version from turnout_workflow_definitions where name = $1 order by version', [name])) as Array<{ version: number }>).map(
      (row) => row.version,
    );

  const simple = (reference: string) => ({ name: reference, taskReferenceName: reference, type: 'SIMPLE' });
  const child = (reference: string, name: string) => ({ name: reference, taskReferenceName: reference, type: 'SUB_WORKFLOW', subWorkflowParam: { name } });
  const inFork = (task: unknown) => [
    { name: 'split', taskReferenceName: 'split', type: 'FORK_JOIN', forkTasks: [[simple('left')], [task]] },
    { name: 'meet', taskReferenceName: 'meet', type: 'JOIN', joinOn: ['left'] },
  ];

  it('refuses with a 400 naming the path a SUB_WORKFLOW whose workflow is not registered, and stores nothing', async () => {
    const [parent, missing] = [unique('parent'), unique('missing')];
    const response = await send('POST', '/api/metadata/workflow', { name: parent, tasks: inFork(child('pay', missing)) });
    expect(response.status).toBe(400);
    expect(response.body.validationErrors).toEqual([
      {
        path: 'tasks[0].forkTasks[1][0].subWorkflowParam.name',
        field: 'tasks[0].forkTasks[1][0].subWorkflowParam.name',
        message: `no workflow named ${missing} is registered`,
        reason: `no workflow named ${missing} is registered`,
      },
    ]);
    expect(await storedVersions(parent)).toEqual([]);
  });

  it('accepts a SUB_WORKFLOW once its workflow is registered', async () => {
    const [parent, payment] = [unique('parent'), unique('payment')];
    expect((await send('POST', '/api/metadata/workflow', { name: payment, tasks: [simple('charge')] })).status).toBe(200);
    expect((await send('POST', '/api/metadata/workflow', { name: parent, tasks: [child('pay', payment)] })).status).toBe(200);
    expect(await storedVersions(parent)).toEqual([1]);
  });

  it('refuses a cycle made by registering a child that starts its parent, and keeps the child as it was', async () => {
    const [a, b] = [unique('A'), unique('B')];
    expect((await send('POST', '/api/metadata/workflow', { name: b, tasks: [simple('work')] })).status).toBe(200);
    expect((await send('POST', '/api/metadata/workflow', { name: a, tasks: [child('to_b', b)] })).status).toBe(200);

    const cyclic = await send('PUT', '/api/metadata/workflow', [{ name: b, version: 1, tasks: [simple('work'), child('back_to_a', a)] }]);
    expect(cyclic.status).toBe(400);
    expect(cyclic.body.validationErrors).toEqual([
      expect.objectContaining({ path: '[0].tasks[1].subWorkflowParam.name', message: expect.stringContaining(`${b} starts itself through ${a}: sub-workflows may not cycle`) }),
    ]);
    const [stored] = (await fixture.db.query('select definition from turnout_workflow_definitions where name = $1', [b])) as Array<{ definition: { tasks: unknown[] } }>;
    expect(stored.definition.tasks).toHaveLength(1);
  });

  it('accepts, in one PUT, definitions that start each other in order; a missing one is named by its place in the list', async () => {
    const [parent, payment, missing] = [unique('parent'), unique('payment'), unique('missing')];
    const together = await send('PUT', '/api/metadata/workflow', [
      { name: parent, version: 1, tasks: [child('pay', payment)] },
      { name: payment, version: 1, tasks: [simple('charge')] },
    ]);
    expect(together.status).toBe(200);

    const refused = await send('PUT', '/api/metadata/workflow', [
      { name: payment, version: 2, tasks: [simple('charge')] },
      { name: parent, version: 2, tasks: [simple('first'), child('gone', missing)] },
    ]);
    expect(refused.status).toBe(400);
    expect(refused.body.validationErrors.map((error: { path: string }) => error.path)).toEqual(['[1].tasks[1].subWorkflowParam.name']);
    expect(await storedVersions(payment)).toEqual([1]);
  });

  it('accepts a javascript SWITCH, and refuses script tasks without their script with a 400 naming the field', async () => {
    const accepted = await send('POST', '/api/metadata/workflow', {
      name: unique('scripted'),
      tasks: [{ name: 's', taskReferenceName: 's', type: 'SWITCH', evaluatorType: 'javascript', expression: '$.x > 1', decisionCases: {} }],
    });
    expect(accepted.status).toBe(200);
    const response = await send('POST', '/api/metadata/workflow', {
      name: unique('scripted'),
      tasks: [
        { name: 'i', taskReferenceName: 'i', type: 'INLINE', inputParameters: { evaluatorType: 'javascript' } },
        { name: 'q', taskReferenceName: 'q', type: 'JSON_JQ_TRANSFORM', inputParameters: {} },
        { name: 'l', taskReferenceName: 'l', type: 'DO_WHILE', loopOver: [{ name: 'a', taskReferenceName: 'a' }] },
      ],
    });
    expect(response.status).toBe(400);
    expect(response.body.validationErrors.map((error: { path: string }) => error.path)).toEqual([
      'tasks[0].inputParameters.expression',
      'tasks[1].inputParameters.queryExpression',
      'tasks[2].loopCondition',
    ]);
  });

  it('still answers 409 for an existing version without overwrite', async () => {
    const name = unique('twice');
    expect((await send('POST', '/api/metadata/workflow', { name, tasks: [simple('a')] })).status).toBe(200);
    expect((await send('POST', '/api/metadata/workflow', { name, tasks: [simple('b')] })).status).toBe(409);
  });
});
