import fc from 'fast-check';
import type { RoutingContext, RoutingReason } from '../routing/resolve-domain';
import { type TaskToDomain, parseTaskToDomain } from '../routing/task-to-domain';
import { PresenceSnapshot } from '../routing/worker-presence';
import type { TaskResultStatus, WorkflowCommand, WorkflowCommandType } from './commands';
import { decide } from './decide';
import type { TaskPolicy, WorkflowBlueprint, WorkflowTimeoutPolicy } from './definition';
import type { EventOf, TaskTimeoutKind, WorkflowEvent } from './events';
import { DomainError } from './domain-error';
import { foldEvents } from './evolve';
import { given } from './given-when-then.test-support';
import { type WorkflowState, initialState, isOpenTask } from './state';
import { TIMER_KINDS, type TimerKind, type WorkflowTimer, timersOf } from './timers';

/** A map's rules as the edge parses them and WorkflowStarted carries them. */
function parsedRules(map: Record<string, string>): TaskToDomain {
  const parsed = parseTaskToDomain(map);
  if (!parsed.ok) throw new Error('bad map');
  return parsed.value;
}

const NOW = 1_700_000_000_000;
const LATER = NOW + 5_000;
const TIMEOUT = 10_000;
const seconds = (count: number): number => count * 1_000;

// fetch_user retries once, at once (retryDelaySeconds 0); greet is never retried.
const blueprint: WorkflowBlueprint = {
  name: 'greeting',
  version: 1,
  tasks: [
    {
      taskType: 'fetch_user',
      referenceTaskName: 'user',
      inputParameters: { id: '${workflow.input.userId}' },
      retryCount: 1,
      retryDelaySeconds: 0,
      responseTimeoutSeconds: 30,
    },
    { taskType: 'greet', referenceTaskName: 'greeting', inputParameters: { name: '${user.output.name}', id: '${user.input.id}' }, retryCount: 0, responseTimeoutSeconds: 30 },
  ],
  outputParameters: { message: '${greeting.output.text}', userId: '${workflow.input.userId}' },
};

const CANARY_MAP = { fetch_user: 'canary,NO_DOMAIN' };

/** Routing where the listed workers (task type, domain, when last seen) are known. */
function seen(...sightings: Array<[taskType: string, domain: string, seenAt: number]>): RoutingContext {
  const presence = new PresenceSnapshot();
  sightings.forEach(([taskType, domain, seenAt], i) => presence.apply({ taskType, domain, workerId: `w${i}`, seenAt, gone: false }));
  return { presence, activeWorkerTimeoutMs: TIMEOUT };
}
const nobody: RoutingContext = seen();
/** Routing where one worker of this task type and domain was seen at `seenAt`. */
const alive = (taskType: string, domain: string, seenAt = NOW): RoutingContext => seen([taskType, domain, seenAt]);

/** The blueprint with other policies for its tasks, or a workflow timeout. */
function blueprintWith(
  change: { user?: Partial<TaskPolicy>; greeting?: Partial<TaskPolicy>; timeoutSeconds?: number; timeoutPolicy?: WorkflowTimeoutPolicy } = {},
): WorkflowBlueprint {
  const { user = {}, greeting = {}, ...workflow } = change;
  return { ...blueprint, tasks: [{ ...blueprint.tasks[0], ...user }, { ...blueprint.tasks[1], ...greeting }], ...workflow };
}

const started: EventOf<'WorkflowStarted'> = {
  type: 'WorkflowStarted',
  data: { workflowId: 'wf-1', blueprint, input: { userId: 42 }, taskToDomain: parsedRules(CANARY_MAP), correlationId: null, startTime: NOW, timeoutAt: null },
};

/** The run started with another blueprint, map or deadline. */
function startedWith(change: Partial<EventOf<'WorkflowStarted'>['data']>): EventOf<'WorkflowStarted'> {
  return { type: 'WorkflowStarted', data: { ...started.data, ...change } };
}

function scheduled(taskId: string, taskIndex: number, extra: Partial<EventOf<'TaskScheduled'>['data']> = {}): EventOf<'TaskScheduled'> {
  const task = blueprint.tasks[taskIndex];
  return {
    type: 'TaskScheduled',
    data: {
      taskId,
      workflowInstanceId: 'wf-1',
      workflowType: 'greeting',
      taskType: task.taskType,
      referenceTaskName: task.referenceTaskName,
      taskIndex,
      inputData: {},
      retryCount: 0,
      retriedTaskId: null,
      domain: null,
      queueName: task.taskType,
      routing: expect.anything(),
      scheduledTime: NOW,
      pollTimeoutAt: null,
      ...extra,
    },
  };
}

const completed = (taskId: string, outputData: Record<string, unknown>, endTime = NOW): EventOf<'TaskCompleted'> => ({
  type: 'TaskCompleted',
  data: { taskId, outputData, workerId: 'w', endTime },
});

const failed = (taskId: string, terminal = false, endTime = NOW): EventOf<'TaskFailed'> => ({
  type: 'TaskFailed',
  data: { taskId, outputData: {}, reasonForIncompletion: 'boom', terminal, workerId: 'w', endTime },
});

const held = (taskId: string, workerId: string, startTime: number, responseTimeoutAt: number, timeoutAt: number | null = null): EventOf<'TaskStarted'> => ({
  type: 'TaskStarted',
  data: { taskId, workerId, startTime, responseTimeoutAt, timeoutAt },
});

const timedOut = (taskId: string, endTime: number, timeout: TaskTimeoutKind): EventOf<'TaskTimedOut'> => ({
  type: 'TaskTimedOut',
  data: { taskId, endTime, timeout },
});

const canceled = (taskId: string, reason: string, endTime = NOW): EventOf<'TaskCanceled'> => ({ type: 'TaskCanceled', data: { taskId, reason, endTime } });

const retryDelayed = (retriedTaskId: string, retryCount: number, dueAt: number, taskIndex = 0): EventOf<'TaskRetryDelayed'> => ({
  type: 'TaskRetryDelayed',
  data: { taskIndex, retryCount, retriedTaskId, dueAt },
});

const paused = (at = NOW): EventOf<'WorkflowPaused'> => ({ type: 'WorkflowPaused', data: { at } });
const resumed = (at = NOW): EventOf<'WorkflowResumed'> => ({ type: 'WorkflowResumed', data: { at } });
const mapChanged = (map: Record<string, string>, at = NOW): EventOf<'TaskToDomainChanged'> => ({
  type: 'TaskToDomainChanged',
  data: { taskToDomain: parsedRules(map), at },
});

const result = (
  taskId: string,
  status: Exclude<TaskResultStatus, 'IN_PROGRESS'>,
  outputData: Record<string, unknown> = {},
  routing: RoutingContext = nobody,
  now = NOW,
): WorkflowCommand => ({
  type: 'RecordTaskResult',
  data: {
    taskId,
    status,
    outputData,
    reasonForIncompletion: status === 'COMPLETED' ? null : 'boom',
    workerId: 'w',
    callbackAfterSeconds: null,
    nextTaskId: 'next',
    routing,
    now,
  },
});

/** An AMQP worker's word that it is at the task (the SDK sends it on taking one). */
const inProgress = (taskId: string, now: number, callbackAfterSeconds: number | null = null, outputData: Record<string, unknown> = {}): WorkflowCommand => ({
  type: 'RecordTaskResult',
  data: { taskId, status: 'IN_PROGRESS', outputData, reasonForIncompletion: null, workerId: 'amqp-1', callbackAfterSeconds, nextTaskId: 'next', routing: nobody, now },
});

/** An HTTP worker's poll that takes the task. */
const take = (taskId: string, now = NOW, workerId = 'http-1'): WorkflowCommand => ({ type: 'StartTask', data: { taskId, workerId, now } });

/** A durable timer of the run comes due at `now` (by default, when it was due). */
const fire = (kind: TimerKind, taskId: string | null, dueAt: number, routing: RoutingContext = nobody, now = dueAt): WorkflowCommand => ({
  type: 'FireTimer',
  data: { timer: { workflowId: 'wf-1', kind, taskId, dueAt }, nextTaskId: 'next', routing, now },
});

function start(routing: RoutingContext = nobody, map: Record<string, string> = CANARY_MAP, of: WorkflowBlueprint = blueprint): WorkflowCommand {
  return {
    type: 'StartWorkflow',
    data: { workflowId: 'wf-1', blueprint: of, input: { userId: 42 }, taskToDomain: parsedRules(map), correlationId: null, firstTaskId: 't1', routing, now: NOW },
  };
}

const terminate = (reason: string, now = NOW): WorkflowCommand => ({ type: 'TerminateWorkflow', data: { reason, now } });
const pause = (now = NOW): WorkflowCommand => ({ type: 'PauseWorkflow', data: { now } });
const resume = (now = NOW, routing: RoutingContext = nobody): WorkflowCommand => ({ type: 'ResumeWorkflow', data: { nextTaskId: 'next', routing, now } });
const retry = (now = NOW, routing: RoutingContext = nobody): WorkflowCommand => ({ type: 'RetryWorkflow', data: { nextTaskId: 'next', routing, now } });
const restart = (now = NOW, routing: RoutingContext = nobody): WorkflowCommand => ({ type: 'RestartWorkflow', data: { nextTaskId: 'next', routing, now } });
const changeMap = (map: Record<string, string>, reroute: boolean, now = NOW, routing: RoutingContext = nobody): WorkflowCommand => ({
  type: 'ChangeTaskToDomain',
  data: { taskToDomain: parsedRules(map), reroute, nextTaskId: 'next', routing, now },
});

/** Every operator command but restart, which a finished run accepts and a running one refuses. */
const OPERATOR_COMMANDS_BUT_RESTART: Array<[string, WorkflowCommand]> = [
  ['terminate', terminate('stop')],
  ['pause', pause()],
  ['resume', resume()],
  ['retry', retry()],
  ['change the map of', changeMap({ fetch_user: 'stable' }, false)],
];

/** A timer of every kind, due and firing long after anything in these runs. */
const EVERY_TIMER: Array<[TimerKind, WorkflowCommand]> = TIMER_KINDS.map((kind) => [kind, fire(kind, kind === 'WORKFLOW_TIMEOUT' ? null : 't1', NOW + seconds(86_400))]);

/** What a routing reason of a retry or replacement says of the attempt it replaces. */
const replacing = (replaces: RoutingReason['replaces'], rest: Partial<RoutingReason> = {}) => expect.objectContaining({ ...rest, replaces });

// The first task, on the default queue: nobody was alive in canary when it was scheduled.
const first = scheduled('t1', 0, { inputData: { id: 42 } });

describe('decide', () => {
  describe('Empty: a workflow that does not exist yet', () => {
    it('starts: WorkflowStarted with the blueprint, input, start time and the map as the client wrote it, and its first task', () => {
      given().when(start()).then([started, first]);
    });

    it('keeps the map in the client’s own spelling', () => {
      const [event] = given()
        .when({
          type: 'StartWorkflow',
          data: { workflowId: 'wf-2', blueprint, input: {}, taskToDomain: parsedRules({ '*': ' a , no_domain ' }), correlationId: 'c-1', firstTaskId: 't1', routing: nobody, now: LATER },
        })
        .events();
      expect(event).toEqual({
        type: 'WorkflowStarted',
        data: {
          workflowId: 'wf-2',
          blueprint,
          input: {},
          taskToDomain: { '*': { key: '*', value: ' a , no_domain ', domains: ['a'], fallsBackToNoDomain: true } },
          correlationId: 'c-1',
          startTime: LATER,
          timeoutAt: null,
        },
      });
    });

    it("sets the run's deadline from the workflow's timeoutSeconds, and the first task's from its pollTimeoutSeconds", () => {
      const timed = blueprintWith({ timeoutSeconds: 600, user: { pollTimeoutSeconds: 30 } });
      given().when(start(nobody, CANARY_MAP, timed)).then([
        startedWith({ blueprint: timed, timeoutAt: NOW + seconds(600) }),
        scheduled('t1', 0, { inputData: { id: 42 }, pollTimeoutAt: NOW + seconds(30) }),
      ]);
    });

    // Every command but StartWorkflow: the compiler checks that none is left out.
    const commandsOfARun: Record<Exclude<WorkflowCommandType, 'StartWorkflow'>, WorkflowCommand> = {
      RecordTaskResult: result('t1', 'COMPLETED'),
      StartTask: take('t1'),
      FireTimer: fire('RETRY', 't1', NOW),
      TerminateWorkflow: terminate('stop'),
      PauseWorkflow: pause(),
      ResumeWorkflow: resume(),
      RetryWorkflow: retry(),
      RestartWorkflow: restart(),
      ChangeTaskToDomain: changeMap({ fetch_user: 'stable' }, true),
      SkipTask: { type: 'SkipTask', data: { taskReferenceName: 'greeting', taskInput: {}, taskOutput: {}, nextTaskId: 's', routing: nobody, now: NOW } },
      RerunWorkflow: { type: 'RerunWorkflow', data: { fromTaskId: null, workflowInput: null, taskInput: null, nextTaskId: 'r', routing: nobody, now: NOW } },
      RecordSubWorkflowResult: {
        type: 'RecordSubWorkflowResult',
        data: { taskId: 't1', subWorkflowId: 't1', status: 'COMPLETED', output: {}, reasonForIncompletion: null, nextTaskId: 't2', routing: nobody, now: NOW },
      },
      RecordSystemTaskResult: {
        type: 'RecordSystemTaskResult',
        data: { taskId: 't1', status: 'COMPLETED', outputData: {}, reasonForIncompletion: null, nextTaskId: 't2', routing: nobody, now: NOW },
      },
    };
    it.each(Object.entries(commandsOfARun))('refuses %s: WORKFLOW_NOT_FOUND', (_type, command) => {
      given().when(command).thenFailsWith('WORKFLOW_NOT_FOUND');
    });
  });

  describe('Empty: starting routes the first task by the presence known at the start', () => {
    it('schedules task 0 with its input evaluated from ${workflow.input.x}, routed to the default queue when canary is down', () => {
      given().when(start()).then([
        started,
        scheduled('t1', 0, {
          inputData: { id: 42 },
          domain: null,
          queueName: 'fetch_user',
          routing: {
            rule: 'NO_DOMAIN_FALLBACK',
            ruleKey: 'fetch_user',
            ruleValue: 'canary,NO_DOMAIN',
            candidates: [{ domain: 'canary', active: false, lastSeenAt: null }],
            activeWorkerTimeoutMs: TIMEOUT,
            summary: expect.stringContaining('default queue'),
          },
        }),
      ]);
    });

    it('routes task 0 to a live canary pool, as the map says', () => {
      given().when(start(alive('fetch_user', 'canary'))).then([
        started,
        scheduled('t1', 0, {
          inputData: { id: 42 },
          domain: 'canary',
          queueName: 'fetch_user@canary',
          routing: expect.objectContaining({ rule: 'FIRST_ACTIVE', ruleKey: 'fetch_user', candidates: [{ domain: 'canary', active: true, lastSeenAt: NOW }] }),
        }),
      ]);
    });

    it('does not count a canary worker of another task type', () => {
      const [, event] = given().when(start(alive('greet', 'canary'))).events() as [EventOf<'WorkflowStarted'>, EventOf<'TaskScheduled'>];
      expect(event.data).toMatchObject({ domain: null, queueName: 'fetch_user' });
    });

    it('routes to the default queue a workflow started with no map', () => {
      const [, event] = given().when(start(alive('fetch_user', 'canary'), {})).events() as [EventOf<'WorkflowStarted'>, EventOf<'TaskScheduled'>];
      expect(event.data).toMatchObject({ domain: null, queueName: 'fetch_user', routing: { rule: 'NO_RULE' } });
    });
  });

  describe('Running', () => {
    describe('with no task yet (a run started before the start scheduled its first task)', () => {
      it('refuses to start twice: WORKFLOW_ALREADY_STARTED', () => {
        given(started).when(start()).thenFailsWith('WORKFLOW_ALREADY_STARTED');
      });

      it('refuses a result for a task it does not have: UNKNOWN_TASK', () => {
        given(started).when(result('t1', 'COMPLETED')).thenFailsWith('UNKNOWN_TASK');
      });
    });

    describe('with a scheduled task', () => {
      it('refuses to start twice: WORKFLOW_ALREADY_STARTED', () => {
        given(started, first).when(start()).thenFailsWith('WORKFLOW_ALREADY_STARTED');
      });

      it('on COMPLETED records the task and schedules the next, its input evaluated from ${user.output.name}', () => {
        given(started, first).when(result('t1', 'COMPLETED', { name: 'Ada' }, nobody, LATER)).then([
          completed('t1', { name: 'Ada' }, LATER),
          scheduled('next', 1, {
            inputData: { name: 'Ada', id: 42 },
            domain: null,
            queueName: 'greet',
            routing: expect.objectContaining({ rule: 'NO_RULE' }),
            scheduledTime: LATER,
          }),
        ]);
      });

      it('on the last task COMPLETED ends the workflow with its outputParameters evaluated', () => {
        const second = scheduled('t2', 1, { inputData: { name: 'Ada', id: 42 } });
        given(started, first, completed('t1', { name: 'Ada' }), second)
          .when(result('t2', 'COMPLETED', { text: 'Hello Ada' }, nobody, LATER))
          .then([completed('t2', { text: 'Hello Ada' }, LATER), { type: 'WorkflowCompleted', data: { output: { message: 'Hello Ada', userId: 42 }, endTime: LATER } }]);
      });

      it("without outputParameters ends with the last task's output, as Conductor does", () => {
        const bare = startedWith({ blueprint: { ...blueprint, tasks: [blueprint.tasks[0]], outputParameters: null } });
        given(bare, first).when(result('t1', 'COMPLETED', { name: 'Ada' })).then([
          completed('t1', { name: 'Ada' }),
          { type: 'WorkflowCompleted', data: { output: { name: 'Ada' }, endTime: NOW } },
        ]);
      });

      it('on FAILED with retries left (retryDelaySeconds 0) schedules a retry at once (retryCount+1, retriedTaskId), routed AGAIN: to the canary pool that came alive', () => {
        given(started, first).when(result('t1', 'FAILED', {}, alive('fetch_user', 'canary', LATER), LATER)).then([
          failed('t1', false, LATER),
          scheduled('next', 0, {
            inputData: { id: 42 },
            retryCount: 1,
            retriedTaskId: 't1',
            domain: 'canary',
            queueName: 'fetch_user@canary',
            routing: replacing(
              { taskId: 't1', domain: null, queueName: 'fetch_user', status: 'FAILED', reasonForIncompletion: 'boom', moved: true },
              { rule: 'FIRST_ACTIVE', candidates: [{ domain: 'canary', active: true, lastSeenAt: LATER }] },
            ),
            scheduledTime: LATER,
          }),
        ]);
      });

      it('on FAILED with retries left routes the retry away from a canary pool that died', () => {
        const onCanary = scheduled('t1', 0, { inputData: { id: 42 }, domain: 'canary', queueName: 'fetch_user@canary' });
        const [, again] = given(started, onCanary).when(result('t1', 'FAILED', {}, alive('fetch_user', 'canary', NOW), NOW + TIMEOUT + 1)).events();
        expect(again).toMatchObject({ type: 'TaskScheduled', data: { domain: null, queueName: 'fetch_user', routing: { rule: 'NO_DOMAIN_FALLBACK' } } });
      });

      it('on FAILED with no retries left fails the workflow, saying which task and why', () => {
        const again = scheduled('t1b', 0, { inputData: { id: 42 }, retryCount: 1, retriedTaskId: 't1' });
        given(started, first, failed('t1'), again).when(result('t1b', 'FAILED', {}, alive('fetch_user', 'canary'), LATER)).then([
          failed('t1b', false, LATER),
          { type: 'WorkflowFailed', data: { reasonForIncompletion: 'task user failed after 1 retries: boom', failedTaskId: 't1b', endTime: LATER } },
        ]);
      });

      it('on FAILED of a task with retryCount 0 fails the workflow at once', () => {
        const second = scheduled('t2', 1);
        given(started, first, completed('t1', { name: 'Ada' }), second).when(result('t2', 'FAILED')).then([
          failed('t2'),
          { type: 'WorkflowFailed', data: { reasonForIncompletion: 'task greeting failed after 0 retries: boom', failedTaskId: 't2', endTime: NOW } },
        ]);
      });

      it('on FAILED_WITH_TERMINAL_ERROR fails the workflow without retrying, retries left or not', () => {
        given(started, first).when(result('t1', 'FAILED_WITH_TERMINAL_ERROR', {}, alive('fetch_user', 'canary'))).then([
          failed('t1', true),
          { type: 'WorkflowFailed', data: { reasonForIncompletion: 'task user failed with a terminal error: boom', failedTaskId: 't1', endTime: NOW } },
        ]);
      });

      it('passes on the output of the latest attempt, not of the failed one it retried', () => {
        const failedWithOutput: EventOf<'TaskFailed'> = { type: 'TaskFailed', data: { ...failed('t1').data, outputData: { name: 'stale' } } };
        const again = scheduled('t1b', 0, { inputData: { id: 42 }, retryCount: 1, retriedTaskId: 't1' });
        const [, next] = given(started, first, failedWithOutput, again).when(result('t1b', 'COMPLETED', { name: 'Ada' })).events();
        expect(next).toMatchObject({ type: 'TaskScheduled', data: { taskIndex: 1, inputData: { name: 'Ada', id: 42 } } });
      });

      it('ignores a duplicate result for a task that has ended', () => {
        given(started, first, completed('t1', { name: 'Ada' }), scheduled('t2', 1)).when(result('t1', 'COMPLETED', { name: 'Bob' })).then([]);
      });

      it('refuses a result for an unknown task: UNKNOWN_TASK', () => {
        given(started, first).when(result('stranger', 'COMPLETED')).thenFailsWith('UNKNOWN_TASK');
      });
    });

    describe('retry delays (retryLogic, retryDelaySeconds, backoffScaleFactor)', () => {
      const delayedBy = (user: Partial<TaskPolicy>) => startedWith({ blueprint: blueprintWith({ user }) });
      const fiveSeconds = delayedBy({ retryDelaySeconds: 5 });

      it('on FAILED waits Conductor’s default 60 s when the task definition says nothing: TaskRetryDelayed, nothing scheduled yet', () => {
        given(delayedBy({ retryDelaySeconds: undefined }), first).when(result('t1', 'FAILED', {}, alive('fetch_user', 'canary', LATER), LATER)).then([
          failed('t1', false, LATER),
          retryDelayed('t1', 1, LATER + seconds(60)),
        ]);
      });

      it.each([
        // The failing attempt was retry number `retryCount` (0: the first attempt).
        ['FIXED', 1, 0, 5],
        ['FIXED', 1, 3, 5],
        ['LINEAR_BACKOFF', 2, 0, 10],
        ['LINEAR_BACKOFF', 2, 1, 20],
        ['LINEAR_BACKOFF', 2, 3, 40],
        ['EXPONENTIAL_BACKOFF', 1, 0, 5],
        ['EXPONENTIAL_BACKOFF', 1, 1, 10],
        ['EXPONENTIAL_BACKOFF', 1, 3, 40],
      ] as const)('%s (scale %i): attempt with retryCount %i failed, its retry waits %i s', (retryLogic, backoffScaleFactor, retryCount, waitSeconds) => {
        const attempt = scheduled('t1', 0, { inputData: { id: 42 }, retryCount, retriedTaskId: retryCount === 0 ? null : 't0' });
        given(delayedBy({ retryCount: 5, retryLogic, retryDelaySeconds: 5, backoffScaleFactor }), attempt)
          .when(result('t1', 'FAILED'))
          .then([failed('t1'), retryDelayed('t1', retryCount + 1, NOW + seconds(waitSeconds))]);
      });

      it('schedules the retry when its RETRY timer fires, routed at that moment: to the canary pool that came alive meanwhile', () => {
        const dueAt = NOW + seconds(5);
        given(fiveSeconds, first, failed('t1'), retryDelayed('t1', 1, dueAt))
          .when(fire('RETRY', 't1', dueAt, alive('fetch_user', 'canary', dueAt)))
          .then([
            scheduled('next', 0, {
              inputData: { id: 42 },
              retryCount: 1,
              retriedTaskId: 't1',
              domain: 'canary',
              queueName: 'fetch_user@canary',
              scheduledTime: dueAt,
              routing: replacing(
                { taskId: 't1', domain: null, queueName: 'fetch_user', status: 'FAILED', reasonForIncompletion: 'boom', moved: true },
                { rule: 'FIRST_ACTIVE', summary: expect.stringContaining('replaces attempt t1 (FAILED: boom), moved from "fetch_user"') },
              ),
            }),
          ]);
      });

      it('decides nothing when the RETRY timer fires early', () => {
        const dueAt = NOW + seconds(5);
        given(fiveSeconds, first, failed('t1'), retryDelayed('t1', 1, dueAt)).when(fire('RETRY', 't1', dueAt, nobody, dueAt - 1)).then([]);
      });

      it('decides nothing when the RETRY timer fires a second time', () => {
        const dueAt = NOW + seconds(5);
        const again = scheduled('t1b', 0, { inputData: { id: 42 }, retryCount: 1, retriedTaskId: 't1', scheduledTime: dueAt });
        given(fiveSeconds, first, failed('t1'), retryDelayed('t1', 1, dueAt), again).when(fire('RETRY', 't1', dueAt, nobody, dueAt + 1)).then([]);
      });

      it('decides nothing when a RETRY timer of another attempt fires', () => {
        const dueAt = NOW + seconds(5);
        given(fiveSeconds, first, failed('t1'), retryDelayed('t1', 1, dueAt)).when(fire('RETRY', 't0', dueAt)).then([]);
      });

      it('ignores a late result of the failed attempt while its retry waits', () => {
        given(fiveSeconds, first, failed('t1'), retryDelayed('t1', 1, NOW + seconds(5))).when(result('t1', 'COMPLETED', { name: 'Ada' })).then([]);
      });

      it('never retries FAILED_WITH_TERMINAL_ERROR, whatever the delay', () => {
        given(fiveSeconds, first).when(result('t1', 'FAILED_WITH_TERMINAL_ERROR')).then([
          failed('t1', true),
          { type: 'WorkflowFailed', data: { reasonForIncompletion: 'task user failed with a terminal error: boom', failedTaskId: 't1', endTime: NOW } },
        ]);
      });

      it("fails the workflow with the task's reason once the delayed retries are spent", () => {
        const dueAt = NOW + seconds(5);
        const again = scheduled('t1b', 0, { inputData: { id: 42 }, retryCount: 1, retriedTaskId: 't1', scheduledTime: dueAt });
        given(fiveSeconds, first, failed('t1'), retryDelayed('t1', 1, dueAt), again).when(result('t1b', 'FAILED', {}, nobody, LATER + seconds(5))).then([
          failed('t1b', false, LATER + seconds(5)),
          { type: 'WorkflowFailed', data: { reasonForIncompletion: 'task user failed after 1 retries: boom', failedTaskId: 't1b', endTime: LATER + seconds(5) } },
        ]);
      });
    });

    describe('a task no worker takes (pollTimeoutSeconds)', () => {
      // "canary,stable": the canary pool was alive at the start, then died; stable is alive.
      const stranded = startedWith({ blueprint: blueprintWith({ user: { pollTimeoutSeconds: 30 } }), taskToDomain: parsedRules({ fetch_user: 'canary,stable' }) });
      const onCanary = scheduled('t1', 0, { inputData: { id: 42 }, domain: 'canary', queueName: 'fetch_user@canary', pollTimeoutAt: NOW + seconds(30) });
      const dueAt = NOW + seconds(30);
      const canaryDeadStableAlive = seen(['fetch_user', 'canary', NOW], ['fetch_user', 'stable', dueAt]);

      it('is not timed out before its poll timeout', () => {
        given(stranded, onCanary).when(fire('POLL_TIMEOUT', 't1', dueAt, canaryDeadStableAlive, dueAt - 1)).then([]);
      });

      it('times out (POLL) at its poll timeout and its retry moves from the dead canary to live stable, saying it moved and why', () => {
        given(stranded, onCanary).when(fire('POLL_TIMEOUT', 't1', dueAt, canaryDeadStableAlive)).then([
          timedOut('t1', dueAt, 'POLL'),
          scheduled('next', 0, {
            inputData: { id: 42 },
            retryCount: 1,
            retriedTaskId: 't1',
            domain: 'stable',
            queueName: 'fetch_user@stable',
            scheduledTime: dueAt,
            pollTimeoutAt: dueAt + seconds(30),
            routing: {
              rule: 'FIRST_ACTIVE',
              ruleKey: 'fetch_user',
              ruleValue: 'canary,stable',
              candidates: [
                { domain: 'canary', active: false, lastSeenAt: NOW },
                { domain: 'stable', active: true, lastSeenAt: dueAt },
              ],
              activeWorkerTimeoutMs: TIMEOUT,
              summary: expect.stringContaining('replaces attempt t1 (TIMED_OUT: not taken by a worker within pollTimeoutSeconds), moved from "fetch_user@canary"'),
              replaces: {
                taskId: 't1',
                domain: 'canary',
                queueName: 'fetch_user@canary',
                status: 'TIMED_OUT',
                reasonForIncompletion: 'not taken by a worker within pollTimeoutSeconds',
                moved: true,
              },
            },
          }),
        ]);
      });

      it('says a retry that stays in its queue waits there again', () => {
        const waiting = startedWith({ blueprint: blueprintWith({ user: { pollTimeoutSeconds: 30 } }) });
        const [, again] = given(waiting, { ...first, data: { ...first.data, pollTimeoutAt: dueAt } }).when(fire('POLL_TIMEOUT', 't1', dueAt)).events();
        expect(again).toMatchObject({
          type: 'TaskScheduled',
          data: { queueName: 'fetch_user', routing: { replaces: { moved: false }, summary: expect.stringContaining('in "fetch_user" again') } },
        });
      });

      it('waits the retry delay like a failure does', () => {
        const delayed = startedWith({ ...stranded.data, blueprint: blueprintWith({ user: { pollTimeoutSeconds: 30, retryDelaySeconds: 10 } }) });
        given(delayed, onCanary).when(fire('POLL_TIMEOUT', 't1', dueAt, canaryDeadStableAlive)).then([timedOut('t1', dueAt, 'POLL'), retryDelayed('t1', 1, dueAt + seconds(10))]);
      });

      it('fails the workflow when its retries are spent, saying no worker took it', () => {
        const again = scheduled('t1b', 0, { inputData: { id: 42 }, retryCount: 1, retriedTaskId: 't1', domain: 'canary', queueName: 'fetch_user@canary', pollTimeoutAt: dueAt });
        given(stranded, onCanary, timedOut('t1', NOW, 'POLL'), again).when(fire('POLL_TIMEOUT', 't1b', dueAt)).then([
          timedOut('t1b', dueAt, 'POLL'),
          {
            type: 'WorkflowFailed',
            data: { reasonForIncompletion: 'task user failed after 1 retries: no worker took it within the poll timeout', failedTaskId: 't1b', endTime: dueAt },
          },
        ]);
      });

      it('does not time out a task a worker has taken', () => {
        given(stranded, onCanary, held('t1', 'http-1', NOW + 1, NOW + seconds(31))).when(fire('POLL_TIMEOUT', 't1', dueAt, canaryDeadStableAlive)).then([]);
      });

      it('decides nothing when the POLL_TIMEOUT timer fires a second time', () => {
        const again = scheduled('next', 0, { retryCount: 1, retriedTaskId: 't1', domain: 'stable', queueName: 'fetch_user@stable', pollTimeoutAt: dueAt + seconds(30) });
        given(stranded, onCanary, timedOut('t1', dueAt, 'POLL'), again).when(fire('POLL_TIMEOUT', 't1', dueAt, canaryDeadStableAlive, dueAt + 1)).then([]);
      });
    });

    describe('a task held by an HTTP worker (responseTimeoutSeconds)', () => {
      const heldByHttp = held('t1', 'http-1', NOW, NOW + seconds(30));
      const timeOut = (now: number, routing: RoutingContext = nobody): WorkflowCommand => fire('RESPONSE_TIMEOUT', 't1', NOW + seconds(30), routing, now);

      it('is held for the worker until its response timeout', () => {
        given(started, first).when(take('t1')).then([heldByHttp]);
      });

      it('cannot be taken twice (a redelivered task message)', () => {
        given(started, first, heldByHttp).when(take('t1')).then([]);
      });

      it('accepts the worker’s result as if it were still scheduled', () => {
        given(started, first, heldByHttp).when(result('t1', 'COMPLETED', { name: 'Ada' })).then([
          completed('t1', { name: 'Ada' }),
          scheduled('next', 1, { inputData: { name: 'Ada', id: 42 } }),
        ]);
      });

      it('is not timed out before its deadline', () => {
        given(started, first, heldByHttp).when(timeOut(NOW + 29_999)).then([]);
      });

      it('times out (RESPONSE) at its deadline and is scheduled again, routed afresh', () => {
        given(started, first, heldByHttp).when(timeOut(NOW + 30_000, alive('fetch_user', 'canary', NOW + 30_000))).then([
          timedOut('t1', NOW + 30_000, 'RESPONSE'),
          scheduled('next', 0, { inputData: { id: 42 }, retryCount: 1, retriedTaskId: 't1', domain: 'canary', queueName: 'fetch_user@canary', scheduledTime: NOW + 30_000 }),
        ]);
      });

      it('ignores the RESPONSE_TIMEOUT timer once the result is in', () => {
        given(started, first, heldByHttp, completed('t1', { name: 'Ada' })).when(timeOut(NOW + 60_000)).then([]);
      });

      it('fails the run when the timed-out task has no retries left', () => {
        const second = scheduled('t2', 1);
        given(started, first, completed('t1', {}), second, held('t2', 'w', NOW, NOW + 1))
          .when(fire('RESPONSE_TIMEOUT', 't2', NOW + 1, nobody, NOW + 5))
          .then([
            timedOut('t2', NOW + 5, 'RESPONSE'),
            {
              type: 'WorkflowFailed',
              data: { reasonForIncompletion: 'task greeting failed after 0 retries: no result within the response timeout', failedTaskId: 't2', endTime: NOW + 5 },
            },
          ]);
      });
    });

    describe('a task an AMQP worker reported IN_PROGRESS (callbackAfterSeconds)', () => {
      const heldByAmqp = held('t1', 'amqp-1', NOW, NOW + seconds(30));
      const progressedAt = NOW + seconds(20);
      const extendedTo = progressedAt + seconds(30 + 60);
      const progressed: EventOf<'TaskProgressed'> = {
        type: 'TaskProgressed',
        data: { taskId: 't1', workerId: 'amqp-1', outputData: { percent: 50 }, responseTimeoutAt: extendedTo, at: progressedAt },
      };

      it('is started by the worker’s IN_PROGRESS: a start time, a worker id and a response timeout', () => {
        given(started, first).when(inProgress('t1', NOW)).then([heldByAmqp]);
      });

      it('is held callbackAfterSeconds longer when the first IN_PROGRESS says so', () => {
        given(started, first).when(inProgress('t1', NOW, 60)).then([held('t1', 'amqp-1', NOW, NOW + seconds(90))]);
      });

      it('times out (RESPONSE) when its worker goes quiet, and is scheduled again', () => {
        given(started, first, heldByAmqp).when(fire('RESPONSE_TIMEOUT', 't1', NOW + seconds(30))).then([
          timedOut('t1', NOW + seconds(30), 'RESPONSE'),
          scheduled('next', 0, { inputData: { id: 42 }, retryCount: 1, retriedTaskId: 't1', scheduledTime: NOW + seconds(30) }),
        ]);
      });

      it('extends the hold on a later IN_PROGRESS with callbackAfterSeconds (TaskProgressed), keeping what the worker reported', () => {
        given(started, first, heldByAmqp).when(inProgress('t1', progressedAt, 60, { percent: 50 })).then([progressed]);
      });

      it('extends the hold by the response timeout alone on a later IN_PROGRESS without callbackAfterSeconds', () => {
        const [event] = given(started, first, heldByAmqp).when(inProgress('t1', progressedAt)).events();
        expect(event).toMatchObject({ type: 'TaskProgressed', data: { responseTimeoutAt: progressedAt + seconds(30) } });
      });

      it('makes the old RESPONSE_TIMEOUT timer stale once the hold is extended', () => {
        given(started, first, heldByAmqp, progressed).when(fire('RESPONSE_TIMEOUT', 't1', NOW + seconds(30))).then([]);
      });

      it('times out at the extended deadline', () => {
        const [event] = given(started, first, heldByAmqp, progressed).when(fire('RESPONSE_TIMEOUT', 't1', extendedTo)).events();
        expect(event).toEqual(timedOut('t1', extendedTo, 'RESPONSE'));
      });

      it('accepts its result after the IN_PROGRESS', () => {
        given(started, first, heldByAmqp, progressed).when(result('t1', 'COMPLETED', { name: 'Ada' })).then([
          completed('t1', { name: 'Ada' }),
          scheduled('next', 1, { inputData: { name: 'Ada', id: 42 } }),
        ]);
      });

      it('cannot be taken by an HTTP poll once its AMQP worker started it', () => {
        given(started, first, heldByAmqp).when(take('t1')).then([]);
      });
    });

    describe('task timeoutSeconds and timeoutPolicy', () => {
      const timedBy = (timeoutPolicy?: TaskPolicy['timeoutPolicy']) => startedWith({ blueprint: blueprintWith({ user: { timeoutSeconds: 120, timeoutPolicy } }) });
      const dueAt = NOW + seconds(120);
      const heldTimed = held('t1', 'amqp-1', NOW, NOW + seconds(30), dueAt);

      it('sets the task deadline when a worker takes the task, by a poll or an IN_PROGRESS', () => {
        given(timedBy('RETRY'), first).when(take('t1')).then([held('t1', 'http-1', NOW, NOW + seconds(30), dueAt)]);
        given(timedBy('RETRY'), first).when(inProgress('t1', NOW)).then([heldTimed]);
      });

      it('is not timed out before its deadline', () => {
        given(timedBy('RETRY'), first, heldTimed).when(fire('TASK_TIMEOUT', 't1', dueAt, nobody, dueAt - 1)).then([]);
      });

      it('RETRY: times out (TASK) and is scheduled again, however often its worker said it is at it', () => {
        const progressed: WorkflowEvent = { type: 'TaskProgressed', data: { taskId: 't1', workerId: 'amqp-1', outputData: {}, responseTimeoutAt: dueAt + seconds(60), at: dueAt - 1 } };
        given(timedBy('RETRY'), first, heldTimed, progressed).when(fire('TASK_TIMEOUT', 't1', dueAt)).then([
          timedOut('t1', dueAt, 'TASK'),
          scheduled('next', 0, { inputData: { id: 42 }, retryCount: 1, retriedTaskId: 't1', scheduledTime: dueAt }),
        ]);
      });

      it('RETRY: fails the workflow once the retries are spent, saying the task was not done in time', () => {
        const again = scheduled('t1b', 0, { inputData: { id: 42 }, retryCount: 1, retriedTaskId: 't1' });
        given(timedBy('RETRY'), first, timedOut('t1', NOW, 'RESPONSE'), again, held('t1b', 'amqp-1', NOW, NOW + seconds(30), dueAt))
          .when(fire('TASK_TIMEOUT', 't1b', dueAt))
          .then([
            timedOut('t1b', dueAt, 'TASK'),
            { type: 'WorkflowFailed', data: { reasonForIncompletion: 'task user failed after 1 retries: no result within the task timeout', failedTaskId: 't1b', endTime: dueAt } },
          ]);
      });

      it('TIME_OUT_WF (the default): times the task and the workflow out', () => {
        const expected: WorkflowEvent[] = [
          timedOut('t1', dueAt, 'TASK'),
          { type: 'WorkflowTimedOut', data: { reasonForIncompletion: 'task user was not completed within 120 seconds', endTime: dueAt } },
        ];
        given(timedBy('TIME_OUT_WF'), first, heldTimed).when(fire('TASK_TIMEOUT', 't1', dueAt)).then(expected);
        given(timedBy(undefined), first, heldTimed).when(fire('TASK_TIMEOUT', 't1', dueAt)).then(expected);
      });

      it('ALERT_ONLY: says so once and lets the task go on', () => {
        const alerted: WorkflowEvent = { type: 'TaskTimeoutAlerted', data: { taskId: 't1', at: dueAt } };
        given(timedBy('ALERT_ONLY'), first, heldTimed).when(fire('TASK_TIMEOUT', 't1', dueAt)).then([alerted]);
        given(timedBy('ALERT_ONLY'), first, heldTimed, alerted).when(fire('TASK_TIMEOUT', 't1', dueAt, nobody, dueAt + 1)).then([]);
        given(timedBy('ALERT_ONLY'), first, heldTimed, alerted).when(result('t1', 'COMPLETED', { name: 'Ada' }, nobody, dueAt + 1)).then([
          completed('t1', { name: 'Ada' }, dueAt + 1),
          scheduled('next', 1, { inputData: { name: 'Ada', id: 42 }, scheduledTime: dueAt + 1 }),
        ]);
      });

      it('decides nothing for a task that ended in time', () => {
        given(timedBy('TIME_OUT_WF'), first, heldTimed, completed('t1', { name: 'Ada' }), scheduled('t2', 1)).when(fire('TASK_TIMEOUT', 't1', dueAt)).then([]);
      });
    });

    describe('workflow timeoutSeconds', () => {
      const timedRun = (timeoutPolicy?: WorkflowTimeoutPolicy) =>
        startedWith({ blueprint: blueprintWith({ timeoutSeconds: 600, timeoutPolicy, user: { retryDelaySeconds: 5 } }), timeoutAt: NOW + seconds(600) });
      const dueAt = NOW + seconds(600);
      const reason = 'workflow timed out after 600 seconds';

      it('is not timed out before its deadline', () => {
        given(timedRun(), first).when(fire('WORKFLOW_TIMEOUT', null, dueAt, nobody, dueAt - 1)).then([]);
      });

      it('TIME_OUT_WF: cancels the open task and times the workflow out', () => {
        given(timedRun('TIME_OUT_WF'), first).when(fire('WORKFLOW_TIMEOUT', null, dueAt)).then([
          canceled('t1', reason, dueAt),
          { type: 'WorkflowTimedOut', data: { reasonForIncompletion: reason, endTime: dueAt } },
        ]);
      });

      it('TIME_OUT_WF (the default) cancels a task a worker holds as well', () => {
        given(timedRun(), first, held('t1', 'amqp-1', NOW, NOW + seconds(30))).when(fire('WORKFLOW_TIMEOUT', null, dueAt)).then([
          canceled('t1', reason, dueAt),
          { type: 'WorkflowTimedOut', data: { reasonForIncompletion: reason, endTime: dueAt } },
        ]);
      });

      it('TIME_OUT_WF with a retry waiting: nothing open to cancel', () => {
        given(timedRun(), first, failed('t1'), retryDelayed('t1', 1, dueAt + seconds(5))).when(fire('WORKFLOW_TIMEOUT', null, dueAt)).then([
          { type: 'WorkflowTimedOut', data: { reasonForIncompletion: reason, endTime: dueAt } },
        ]);
      });

      it('ALERT_ONLY: says so once, the run goes on', () => {
        const alerted: WorkflowEvent = { type: 'WorkflowTimeoutAlerted', data: { at: dueAt } };
        given(timedRun('ALERT_ONLY'), first).when(fire('WORKFLOW_TIMEOUT', null, dueAt)).then([alerted]);
        given(timedRun('ALERT_ONLY'), first, alerted).when(fire('WORKFLOW_TIMEOUT', null, dueAt, nobody, dueAt + 1)).then([]);
      });

      it('decides nothing for a run with no timeout', () => {
        given(started, first).when(fire('WORKFLOW_TIMEOUT', null, dueAt)).then([]);
      });
    });

    describe('a superseded attempt', () => {
      const again = scheduled('t1b', 0, { inputData: { id: 42 }, retryCount: 1, retriedTaskId: 't1' });

      it('changes nothing with a late result once its retry is scheduled', () => {
        given(started, first, failed('t1'), again).when(result('t1', 'COMPLETED', { name: 'Ada' })).then([]);
      });

      it('changes nothing with a late result, an IN_PROGRESS or a poll once it timed out and moved', () => {
        const history = [started, first, timedOut('t1', NOW, 'POLL'), again];
        given(...history).when(result('t1', 'COMPLETED', { name: 'Ada' })).then([]);
        given(...history).when(inProgress('t1', LATER)).then([]);
        given(...history).when(take('t1', LATER)).then([]);
      });

      it('changes nothing with a late result once it was rerouted', () => {
        const moved = scheduled('t1b', 0, { inputData: { id: 42 }, retriedTaskId: 't1', domain: 'stable', queueName: 'fetch_user@stable' });
        given(started, first, mapChanged({ fetch_user: 'stable' }), canceled('t1', 'rerouted'), moved).when(result('t1', 'FAILED')).then([]);
      });

      it('has its old timers decide nothing', () => {
        const history = [started, first, held('t1', 'http-1', NOW, NOW + seconds(30)), timedOut('t1', NOW + seconds(30), 'RESPONSE'), again];
        given(...history).when(fire('RESPONSE_TIMEOUT', 't1', NOW + seconds(30), nobody, NOW + seconds(31))).then([]);
        given(...history).when(fire('TASK_TIMEOUT', 't1', NOW + seconds(60))).then([]);
        given(...history).when(fire('POLL_TIMEOUT', 't1', NOW + seconds(60))).then([]);
      });
    });

    describe('a result from a worker confined to a domain', () => {
      const confined = (command: WorkflowCommand, confinedTo: string | null): WorkflowCommand =>
        command.type === 'RecordTaskResult' ? { ...command, data: { ...command.data, confinedTo } } : command;
      const inCanary = scheduled('t1', 0, { inputData: { id: 42 }, domain: 'canary', queueName: 'fetch_user@canary' });

      it('is recorded for a task of its own domain', () => {
        given(started, inCanary).when(confined(result('t1', 'FAILED'), 'canary')).then([
          failed('t1'),
          expect.objectContaining({ type: 'TaskScheduled', data: expect.objectContaining({ taskId: 'next', retriedTaskId: 't1' }) }),
        ]);
      });

      it('is refused for a task of another domain, or of the default queue, and says so', () => {
        given(started, inCanary)
          .when(confined(result('t1', 'COMPLETED'), 'doug'))
          .thenFailsWith('NOT_OFFERED', 'the worker was not offered task t1: it is confined to domain doug, and the task is for domain canary');
        given(started, first)
          .when(confined(inProgress('t1', LATER), 'doug'))
          .thenFailsWith('NOT_OFFERED', 'the worker was not offered task t1: it is confined to domain doug, and the task is for the default queues');
        given(started, inCanary).when(confined(result('t1', 'COMPLETED'), null)).thenFailsWith('NOT_OFFERED');
      });

      it('is refused for a task of another domain that already ended, rather than ignored', () => {
        given(started, inCanary, completed('t1', { name: 'Ada' })).when(confined(result('t1', 'COMPLETED'), 'doug')).thenFailsWith('NOT_OFFERED');
      });
    });

    describe('terminate', () => {
      it('cancels the open task and ends the run TERMINATED with the reason', () => {
        given(started, first).when(terminate('wrong input', LATER)).then([
          canceled('t1', 'workflow terminated: wrong input', LATER),
          { type: 'WorkflowTerminated', data: { reasonForIncompletion: 'wrong input', endTime: LATER } },
        ]);
      });

      it('cancels a task a worker holds as well', () => {
        const [event] = given(started, first, held('t1', 'amqp-1', NOW, NOW + seconds(30))).when(terminate('wrong input')).events();
        expect(event).toEqual(canceled('t1', 'workflow terminated: wrong input'));
      });

      it('with a retry waiting: nothing open to cancel', () => {
        const waiting = startedWith({ blueprint: blueprintWith({ user: { retryDelaySeconds: 5 } }) });
        given(waiting, first, failed('t1'), retryDelayed('t1', 1, LATER)).when(terminate('wrong input')).then([
          { type: 'WorkflowTerminated', data: { reasonForIncompletion: 'wrong input', endTime: NOW } },
        ]);
      });
    });

    describe('pause, resume, retry, restart', () => {
      it('pauses: WorkflowPaused, its open task left as it is', () => {
        given(started, first).when(pause(LATER)).then([paused(LATER)]);
      });

      it('resumes nothing: a running run is not paused', () => {
        given(started, first).when(resume()).then([]);
      });

      it('refuses a retry: INVALID_STATE, saying why', () => {
        given(started, first).when(retry()).thenFailsWith('INVALID_STATE', 'workflow wf-1 is RUNNING: only a FAILED or TIMED_OUT run can be retried');
      });

      it('refuses a restart: INVALID_STATE, saying why', () => {
        given(started, first).when(restart()).thenFailsWith('INVALID_STATE', 'workflow wf-1 is RUNNING: only a finished (COMPLETED, FAILED, TIMED_OUT or TERMINATED) run can be restarted');
      });
    });

    describe('ChangeTaskToDomain', () => {
      it('records the new map; the task waiting in a queue stays where it is', () => {
        given(started, first).when(changeMap({ fetch_user: 'stable' }, false, LATER, alive('fetch_user', 'stable', LATER))).then([mapChanged({ fetch_user: 'stable' }, LATER)]);
      });

      it('routes the tasks scheduled from then on by the new map', () => {
        const [, next] = given(started, first, mapChanged({ greet: 'blue' }))
          .when(result('t1', 'COMPLETED', { name: 'Ada' }, alive('greet', 'blue')))
          .events();
        expect(next).toMatchObject({ type: 'TaskScheduled', data: { taskIndex: 1, domain: 'blue', queueName: 'greet@blue', routing: { rule: 'FIRST_ACTIVE', ruleValue: 'blue' } } });
      });

      it('routes a retry scheduled from then on by the new map', () => {
        const [, again] = given(started, first, mapChanged({ fetch_user: 'stable' }))
          .when(result('t1', 'FAILED', {}, alive('fetch_user', 'stable')))
          .events();
        expect(again).toMatchObject({ type: 'TaskScheduled', data: { retriedTaskId: 't1', queueName: 'fetch_user@stable' } });
      });

      it('with reroute, cancels the task waiting in a queue and schedules it again by the new map, retryCount unchanged', () => {
        const waitingRetry = scheduled('t1b', 0, { inputData: { id: 42 }, retryCount: 1, retriedTaskId: 't1' });
        const why = 'rerouted: the run got a new taskToDomain';
        given(started, first, failed('t1'), waitingRetry)
          .when(changeMap({ fetch_user: 'stable' }, true, LATER, alive('fetch_user', 'stable', LATER)))
          .then([
            mapChanged({ fetch_user: 'stable' }, LATER),
            canceled('t1b', why, LATER),
            scheduled('next', 0, {
              inputData: { id: 42 },
              retryCount: 1,
              retriedTaskId: 't1b',
              domain: 'stable',
              queueName: 'fetch_user@stable',
              scheduledTime: LATER,
              routing: replacing(
                { taskId: 't1b', domain: null, queueName: 'fetch_user', status: 'CANCELED', reasonForIncompletion: why, moved: true },
                { rule: 'FIRST_ACTIVE', ruleValue: 'stable' },
              ),
            }),
          ]);
      });

      it('with reroute, leaves alone a task a worker holds', () => {
        given(started, first, held('t1', 'amqp-1', NOW, NOW + seconds(30))).when(changeMap({ fetch_user: 'stable' }, true, LATER)).then([mapChanged({ fetch_user: 'stable' }, LATER)]);
      });

      it('with reroute and a retry waiting: nothing to move; the retry goes by the new map when due', () => {
        const waiting = startedWith({ blueprint: blueprintWith({ user: { retryDelaySeconds: 5 } }) });
        const dueAt = NOW + seconds(5);
        given(waiting, first, failed('t1'), retryDelayed('t1', 1, dueAt)).when(changeMap({ fetch_user: 'stable' }, true)).then([mapChanged({ fetch_user: 'stable' })]);
        const [again] = given(waiting, first, failed('t1'), retryDelayed('t1', 1, dueAt), mapChanged({ fetch_user: 'stable' }))
          .when(fire('RETRY', 't1', dueAt, alive('fetch_user', 'stable', dueAt)))
          .events();
        expect(again).toMatchObject({ type: 'TaskScheduled', data: { retriedTaskId: 't1', queueName: 'fetch_user@stable' } });
      });
    });
  });

  describe('Paused', () => {
    const pausedRun = [started, first, paused()];

    it('pauses again: nothing new', () => {
      given(...pausedRun).when(pause(LATER)).then([]);
    });

    it('records a result but schedules nothing new', () => {
      given(...pausedRun).when(result('t1', 'COMPLETED', { name: 'Ada' })).then([completed('t1', { name: 'Ada' })]);
    });

    it('records a failure but schedules no retry, at once or later', () => {
      given(...pausedRun).when(result('t1', 'FAILED')).then([failed('t1')]);
    });

    it('does not end the run when its last task completes', () => {
      given(started, first, completed('t1', { name: 'Ada' }), scheduled('t2', 1), paused()).when(result('t2', 'COMPLETED', { text: 'hi' })).then([completed('t2', { text: 'hi' })]);
    });

    it('lets a worker take the task already in its queue', () => {
      given(...pausedRun).when(take('t1', LATER)).then([held('t1', 'http-1', LATER, LATER + seconds(30))]);
    });

    it('decides nothing when a RETRY timer comes due: the retry waits for the resume', () => {
      const waiting = startedWith({ blueprint: blueprintWith({ user: { retryDelaySeconds: 5 } }) });
      given(waiting, first, failed('t1'), retryDelayed('t1', 1, LATER), paused()).when(fire('RETRY', 't1', LATER)).then([]);
    });

    it('times a task out at its poll timeout but schedules no retry', () => {
      const waiting = startedWith({ blueprint: blueprintWith({ user: { pollTimeoutSeconds: 30 } }) });
      const onPollDeadline = scheduled('t1', 0, { inputData: { id: 42 }, pollTimeoutAt: NOW + seconds(30) });
      given(waiting, onPollDeadline, paused()).when(fire('POLL_TIMEOUT', 't1', NOW + seconds(30))).then([timedOut('t1', NOW + seconds(30), 'POLL')]);
    });

    it('times out at the workflow timeout', () => {
      const timed = startedWith({ blueprint: blueprintWith({ timeoutSeconds: 60 }), timeoutAt: NOW + seconds(60) });
      given(timed, first, paused()).when(fire('WORKFLOW_TIMEOUT', null, NOW + seconds(60))).then([
        canceled('t1', 'workflow timed out after 60 seconds', NOW + seconds(60)),
        { type: 'WorkflowTimedOut', data: { reasonForIncompletion: 'workflow timed out after 60 seconds', endTime: NOW + seconds(60) } },
      ]);
    });

    describe('resume', () => {
      it('with its task still open: WorkflowResumed, nothing else', () => {
        given(...pausedRun).when(resume(LATER)).then([resumed(LATER)]);
      });

      it('schedules the next task the pause held back, routed at the resume', () => {
        given(...pausedRun, completed('t1', { name: 'Ada' })).when(resume(LATER, alive('greet', 'canary', LATER))).then([
          resumed(LATER),
          scheduled('next', 1, { inputData: { name: 'Ada', id: 42 }, scheduledTime: LATER }),
        ]);
      });

      it('retries a failed task the pause held back (retryDelaySeconds 0: at once)', () => {
        given(...pausedRun, failed('t1')).when(resume(LATER, alive('fetch_user', 'canary', LATER))).then([
          resumed(LATER),
          scheduled('next', 0, { inputData: { id: 42 }, retryCount: 1, retriedTaskId: 't1', domain: 'canary', queueName: 'fetch_user@canary', scheduledTime: LATER }),
        ]);
      });

      it('delays the retry of a failed task the pause held back, counted from the resume', () => {
        const waiting = startedWith({ blueprint: blueprintWith({ user: { retryDelaySeconds: 5 } }) });
        given(waiting, first, paused(), failed('t1')).when(resume(LATER)).then([resumed(LATER), retryDelayed('t1', 1, LATER + seconds(5))]);
      });

      it('schedules a retry whose delay passed during the pause', () => {
        const waiting = startedWith({ blueprint: blueprintWith({ user: { retryDelaySeconds: 5 } }) });
        const dueAt = NOW + seconds(5);
        given(waiting, first, failed('t1'), retryDelayed('t1', 1, dueAt), paused(NOW + 1)).when(resume(dueAt + 1, alive('fetch_user', 'canary', dueAt + 1))).then([
          resumed(dueAt + 1),
          scheduled('next', 0, { inputData: { id: 42 }, retryCount: 1, retriedTaskId: 't1', domain: 'canary', queueName: 'fetch_user@canary', scheduledTime: dueAt + 1 }),
        ]);
      });

      it('leaves a retry whose delay has not passed to its RETRY timer', () => {
        const waiting = startedWith({ blueprint: blueprintWith({ user: { retryDelaySeconds: 5 } }) });
        const dueAt = NOW + seconds(5);
        const history = [waiting, first, failed('t1'), retryDelayed('t1', 1, dueAt), paused(NOW + 1)];
        given(...history).when(resume(dueAt - 1)).then([resumed(dueAt - 1)]);
        const [again] = given(...history, resumed(dueAt - 1)).when(fire('RETRY', 't1', dueAt)).events();
        expect(again).toMatchObject({ type: 'TaskScheduled', data: { retriedTaskId: 't1', scheduledTime: dueAt } });
      });

      it('completes a run whose last task completed during the pause', () => {
        given(started, first, completed('t1', { name: 'Ada' }), scheduled('t2', 1), paused(), completed('t2', { text: 'hi' })).when(resume(LATER)).then([
          resumed(LATER),
          { type: 'WorkflowCompleted', data: { output: { message: 'hi', userId: 42 }, endTime: LATER } },
        ]);
      });
    });

    it('terminates: the open task CANCELED, TERMINATED with the reason', () => {
      given(...pausedRun).when(terminate('not needed', LATER)).then([
        canceled('t1', 'workflow terminated: not needed', LATER),
        { type: 'WorkflowTerminated', data: { reasonForIncompletion: 'not needed', endTime: LATER } },
      ]);
    });

    it.each([
      ['a retry', retry(), 'workflow wf-1 is PAUSED: only a FAILED or TIMED_OUT run can be retried'],
      ['a restart', restart(), 'workflow wf-1 is PAUSED: only a finished (COMPLETED, FAILED, TIMED_OUT or TERMINATED) run can be restarted'],
    ])('refuses %s: INVALID_STATE', (_action, command, message) => {
      given(...pausedRun).when(command).thenFailsWith('INVALID_STATE', message);
    });

    it('takes a new map; with reroute it cancels the waiting task and schedules its replacement only at the resume', () => {
      const why = 'rerouted: the run got a new taskToDomain';
      given(...pausedRun).when(changeMap({ fetch_user: 'stable' }, false)).then([mapChanged({ fetch_user: 'stable' })]);
      given(...pausedRun).when(changeMap({ fetch_user: 'stable' }, true, LATER)).then([mapChanged({ fetch_user: 'stable' }, LATER), canceled('t1', why, LATER)]);
      given(...pausedRun, mapChanged({ fetch_user: 'stable' }, LATER), canceled('t1', why, LATER))
        .when(resume(LATER, alive('fetch_user', 'stable', LATER)))
        .then([resumed(LATER), scheduled('next', 0, { inputData: { id: 42 }, retriedTaskId: 't1', domain: 'stable', queueName: 'fetch_user@stable', scheduledTime: LATER })]);
    });
  });

  describe('Completed', () => {
    const history: WorkflowEvent[] = [
      started,
      first,
      completed('t1', { name: 'Ada' }),
      scheduled('t2', 1),
      completed('t2', { text: 'hi' }),
      { type: 'WorkflowCompleted', data: { output: { message: 'hi', userId: 42 }, endTime: NOW } },
    ];

    it('ignores a result that comes after the workflow completed', () => {
      given(...history).when(result('t2', 'FAILED')).then([]);
      given(...history).when(result('t1', 'COMPLETED', { name: 'Bob' })).then([]);
    });

    it('refuses to start again: WORKFLOW_ALREADY_STARTED', () => {
      given(...history).when(start()).thenFailsWith('WORKFLOW_ALREADY_STARTED');
    });

    it('refuses a result for an unknown task: UNKNOWN_TASK', () => {
      given(...history).when(result('stranger', 'COMPLETED')).thenFailsWith('UNKNOWN_TASK');
    });

    it.each(OPERATOR_COMMANDS_BUT_RESTART)('refuses to %s it: INVALID_STATE', (_action, command) => {
      given(...history).when(command).thenFailsWith('INVALID_STATE');
    });

    it('says why a finished run cannot be terminated', () => {
      given(...history).when(terminate('stop')).thenFailsWith('INVALID_STATE', 'workflow wf-1 is COMPLETED: only a RUNNING or PAUSED run can be terminated');
    });

    it.each(EVERY_TIMER)('decides nothing when a %s timer fires', (_kind, command) => {
      given(...history).when(command).then([]);
    });

    it('restarts: tasks start over from task 0 with the same input and map, routed afresh', () => {
      given(...history).when(restart(LATER, alive('fetch_user', 'canary', LATER))).then([
        { type: 'WorkflowRestarted', data: { startTime: LATER, timeoutAt: null } },
        scheduled('next', 0, {
          inputData: { id: 42 },
          domain: 'canary',
          queueName: 'fetch_user@canary',
          scheduledTime: LATER,
          routing: expect.objectContaining({ rule: 'FIRST_ACTIVE', ruleValue: 'canary,NO_DOMAIN' }),
        }),
      ]);
    });

    it('restarts with a new deadline when the workflow has a timeout', () => {
      const timed = startedWith({ blueprint: blueprintWith({ timeoutSeconds: 600 }), timeoutAt: NOW + seconds(600) });
      const [restarted] = given(timed, ...history.slice(1)).when(restart(LATER)).events();
      expect(restarted).toEqual({ type: 'WorkflowRestarted', data: { startTime: LATER, timeoutAt: LATER + seconds(600) } });
    });

    it('restarts with the map the run had last', () => {
      const [, again] = given(started, mapChanged({ fetch_user: 'stable' }), ...history.slice(1)).when(restart(LATER, alive('fetch_user', 'stable', LATER))).events();
      expect(again).toMatchObject({ type: 'TaskScheduled', data: { taskIndex: 0, queueName: 'fetch_user@stable' } });
    });

    it('after a restart, ignores a late word of an attempt from before it', () => {
      const restarted: WorkflowEvent[] = [...history, { type: 'WorkflowRestarted', data: { startTime: LATER, timeoutAt: null } }, scheduled('t1-again', 0, { inputData: { id: 42 } })];
      given(...restarted).when(result('t1', 'COMPLETED', { name: 'Bob' })).then([]);
      given(...restarted).when(take('t2')).then([]);
      given(...restarted).when(fire('RESPONSE_TIMEOUT', 't2', LATER)).then([]);
    });
  });

  describe('Failed', () => {
    const history: WorkflowEvent[] = [
      started,
      first,
      failed('t1', true),
      { type: 'WorkflowFailed', data: { reasonForIncompletion: 'task user failed with a terminal error: boom', failedTaskId: 't1', endTime: NOW } },
    ];

    it('ignores a late result, COMPLETED or FAILED, and schedules nothing', () => {
      given(...history).when(result('t1', 'COMPLETED', { name: 'Ada' })).then([]);
      given(...history).when(result('t1', 'FAILED')).then([]);
    });

    it('refuses to start again: WORKFLOW_ALREADY_STARTED', () => {
      given(...history).when(start()).thenFailsWith('WORKFLOW_ALREADY_STARTED');
    });

    it('retries from the failed task, routed afresh (not in the failed attempt’s old domain)', () => {
      given(...history).when(retry(LATER, alive('fetch_user', 'canary', LATER))).then([
        { type: 'WorkflowRetried', data: { at: LATER, timeoutAt: null } },
        scheduled('next', 0, {
          inputData: { id: 42 },
          retryCount: 1,
          retriedTaskId: 't1',
          domain: 'canary',
          queueName: 'fetch_user@canary',
          scheduledTime: LATER,
          routing: replacing(
            { taskId: 't1', domain: null, queueName: 'fetch_user', status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: 'boom', moved: true },
            { rule: 'FIRST_ACTIVE' },
          ),
        }),
      ]);
    });

    it('retries the task that failed, not the first one, its input from the tasks before it', () => {
      const failedOnSecond: WorkflowEvent[] = [
        started,
        first,
        completed('t1', { name: 'Ada' }),
        scheduled('t2', 1, { inputData: { name: 'Ada', id: 42 } }),
        failed('t2'),
        { type: 'WorkflowFailed', data: { reasonForIncompletion: 'task greeting failed after 0 retries: boom', failedTaskId: 't2', endTime: NOW } },
      ];
      const [, again] = given(...failedOnSecond).when(retry(LATER)).events();
      expect(again).toMatchObject({ type: 'TaskScheduled', data: { taskIndex: 1, inputData: { name: 'Ada', id: 42 }, retryCount: 1, retriedTaskId: 't2' } });
    });

    it('restarts from task 0', () => {
      const [restarted, again] = given(...history).when(restart(LATER)).events();
      expect(restarted).toEqual({ type: 'WorkflowRestarted', data: { startTime: LATER, timeoutAt: null } });
      expect(again).toMatchObject({ type: 'TaskScheduled', data: { taskIndex: 0, retryCount: 0, retriedTaskId: null, inputData: { id: 42 } } });
    });

    it.each(OPERATOR_COMMANDS_BUT_RESTART.filter(([action]) => action !== 'retry'))('refuses to %s it: INVALID_STATE', (_action, command) => {
      given(...history).when(command).thenFailsWith('INVALID_STATE');
    });

    it.each(EVERY_TIMER)('decides nothing when a %s timer fires', (_kind, command) => {
      given(...history).when(command).then([]);
    });
  });

  describe('TimedOut', () => {
    const timed = startedWith({ blueprint: blueprintWith({ timeoutSeconds: 600, user: { timeoutSeconds: 120 } }), timeoutAt: NOW + seconds(600) });
    const reason = 'workflow timed out after 600 seconds';
    const byWorkflowTimeout: WorkflowEvent[] = [
      timed,
      first,
      canceled('t1', reason, NOW + seconds(600)),
      { type: 'WorkflowTimedOut', data: { reasonForIncompletion: reason, endTime: NOW + seconds(600) } },
    ];
    const byTaskTimeout: WorkflowEvent[] = [
      timed,
      first,
      held('t1', 'amqp-1', NOW, NOW + seconds(30), NOW + seconds(120)),
      timedOut('t1', NOW + seconds(120), 'TASK'),
      { type: 'WorkflowTimedOut', data: { reasonForIncompletion: 'task user was not completed within 120 seconds', endTime: NOW + seconds(120) } },
    ];
    const retriedAt = NOW + seconds(700);

    it('retries the task its timeout cancelled, with a new deadline; the cancelled attempt does not count as a retry', () => {
      given(...byWorkflowTimeout).when(retry(retriedAt)).then([
        { type: 'WorkflowRetried', data: { at: retriedAt, timeoutAt: retriedAt + seconds(600) } },
        scheduled('next', 0, {
          inputData: { id: 42 },
          retriedTaskId: 't1',
          scheduledTime: retriedAt,
          routing: replacing({ taskId: 't1', domain: null, queueName: 'fetch_user', status: 'CANCELED', reasonForIncompletion: reason, moved: false }),
        }),
      ]);
    });

    it('retries a task that timed out, as one more retry', () => {
      const [, again] = given(...byTaskTimeout).when(retry(retriedAt)).events();
      expect(again).toMatchObject({ type: 'TaskScheduled', data: { taskIndex: 0, retryCount: 1, retriedTaskId: 't1', routing: { replaces: { status: 'TIMED_OUT' } } } });
    });

    it('after a retry, the old WORKFLOW_TIMEOUT timer is stale', () => {
      const retried: WorkflowEvent[] = [
        ...byWorkflowTimeout,
        { type: 'WorkflowRetried', data: { at: retriedAt, timeoutAt: retriedAt + seconds(600) } },
        scheduled('t1b', 0, { inputData: { id: 42 }, retriedTaskId: 't1', scheduledTime: retriedAt }),
      ];
      given(...retried).when(fire('WORKFLOW_TIMEOUT', null, NOW + seconds(600), nobody, retriedAt + 1)).then([]);
    });

    it('restarts from task 0 with a new deadline', () => {
      const [restarted, again] = given(...byTaskTimeout).when(restart(retriedAt)).events();
      expect(restarted).toEqual({ type: 'WorkflowRestarted', data: { startTime: retriedAt, timeoutAt: retriedAt + seconds(600) } });
      expect(again).toMatchObject({ type: 'TaskScheduled', data: { taskIndex: 0, retryCount: 0, retriedTaskId: null } });
    });

    it.each(OPERATOR_COMMANDS_BUT_RESTART.filter(([action]) => action !== 'retry'))('refuses to %s it: INVALID_STATE', (_action, command) => {
      given(...byWorkflowTimeout).when(command).thenFailsWith('INVALID_STATE');
    });

    it.each(EVERY_TIMER)('decides nothing when a %s timer fires', (_kind, command) => {
      given(...byWorkflowTimeout).when(command).then([]);
    });

    it('ignores a late result of the task its timeout cancelled', () => {
      given(...byWorkflowTimeout).when(result('t1', 'COMPLETED', { name: 'Ada' })).then([]);
    });
  });

  describe('Terminated', () => {
    const history: WorkflowEvent[] = [
      started,
      first,
      canceled('t1', 'workflow terminated: wrong input'),
      { type: 'WorkflowTerminated', data: { reasonForIncompletion: 'wrong input', endTime: NOW } },
    ];

    it('refuses to be terminated again: INVALID_STATE, saying why', () => {
      given(...history).when(terminate('again')).thenFailsWith('INVALID_STATE', 'workflow wf-1 is TERMINATED: only a RUNNING or PAUSED run can be terminated');
    });

    it('refuses a retry: only a FAILED or TIMED_OUT run is retried', () => {
      given(...history).when(retry()).thenFailsWith('INVALID_STATE', 'workflow wf-1 is TERMINATED: only a FAILED or TIMED_OUT run can be retried');
    });

    it.each(OPERATOR_COMMANDS_BUT_RESTART)('refuses to %s it: INVALID_STATE', (_action, command) => {
      given(...history).when(command).thenFailsWith('INVALID_STATE');
    });

    it('never hands out the cancelled task: a poll that takes its message, its IN_PROGRESS and its result change nothing', () => {
      given(...history).when(take('t1', LATER)).then([]);
      given(...history).when(inProgress('t1', LATER)).then([]);
      given(...history).when(result('t1', 'COMPLETED', { name: 'Ada' }, nobody, LATER)).then([]);
    });

    it.each(EVERY_TIMER)('decides nothing when a %s timer fires', (_kind, command) => {
      given(...history).when(command).then([]);
    });

    it('restarts from task 0 with the same input and map', () => {
      given(...history).when(restart(LATER)).then([
        { type: 'WorkflowRestarted', data: { startTime: LATER, timeoutAt: null } },
        scheduled('next', 0, { inputData: { id: 42 }, scheduledTime: LATER, routing: expect.objectContaining({ rule: 'NO_DOMAIN_FALLBACK', ruleValue: 'canary,NO_DOMAIN' }) }),
      ]);
    });
  });

  describe('properties: any sequence of results, polls, timer firings and operator actions', () => {
    // Two tasks with random policies; each step is one command, its time a little after the last.
    const policy = fc.record({
      retryCount: fc.integer({ min: 0, max: 2 }),
      retryLogic: fc.constantFrom('FIXED' as const, 'LINEAR_BACKOFF' as const, 'EXPONENTIAL_BACKOFF' as const),
      retryDelaySeconds: fc.constantFrom(0, 0, 1, 5),
      pollTimeoutSeconds: fc.constantFrom(0, 2, 10),
      responseTimeoutSeconds: fc.constantFrom(1, 5),
      timeoutSeconds: fc.constantFrom(0, 3, 20),
      timeoutPolicy: fc.constantFrom('RETRY' as const, 'TIME_OUT_WF' as const, 'ALERT_ONLY' as const),
    });
    const workflowPolicy = fc.record({ timeoutSeconds: fc.constantFrom(0, 30, 120), timeoutPolicy: fc.constantFrom('TIME_OUT_WF' as const, 'ALERT_ONLY' as const) });
    type Step =
      | { kind: 'result'; status: TaskResultStatus; attempt: number; callbackAfterSeconds: number | null }
      | { kind: 'take'; attempt: number }
      | { kind: 'timer'; pick: number; early: boolean }
      | { kind: 'operator'; action: 'terminate' | 'pause' | 'resume' | 'retry' | 'restart' | 'reroute' | 'remap' };
    const step: fc.Arbitrary<{ step: Step; advanceMs: number; stableAlive: boolean }> = fc.record({
      step: fc.oneof(
        { weight: 4, arbitrary: fc.record({ kind: fc.constant('result' as const), status: fc.constantFrom<TaskResultStatus>('IN_PROGRESS', 'COMPLETED', 'FAILED', 'FAILED_WITH_TERMINAL_ERROR'), attempt: fc.nat(), callbackAfterSeconds: fc.option(fc.constantFrom(1, 10)) }) },
        { weight: 2, arbitrary: fc.record({ kind: fc.constant('take' as const), attempt: fc.nat() }) },
        { weight: 4, arbitrary: fc.record({ kind: fc.constant('timer' as const), pick: fc.nat(), early: fc.boolean() }) },
        { weight: 3, arbitrary: fc.record({ kind: fc.constant('operator' as const), action: fc.constantFrom('terminate' as const, 'pause' as const, 'resume' as const, 'retry' as const, 'restart' as const, 'reroute' as const, 'remap' as const) }) },
      ),
      advanceMs: fc.constantFrom(0, 500, 1_000, 5_000, 30_000),
      stableAlive: fc.boolean(),
    });

    /** Runs the steps; calls `check` after each decision with the command, the state before and after. */
    function play(
      policies: [Partial<TaskPolicy>, Partial<TaskPolicy>],
      workflow: { timeoutSeconds: number; timeoutPolicy: WorkflowTimeoutPolicy },
      steps: Array<{ step: Step; advanceMs: number; stableAlive: boolean }>,
      check: (command: WorkflowCommand, before: WorkflowState, after: WorkflowState) => void,
    ): void {
      const of = blueprintWith({ user: policies[0], greeting: policies[1], ...workflow });
      let now = NOW;
      let ids = 0;
      const timers: WorkflowTimer[] = [];
      let state = initialState();
      const apply = (command: WorkflowCommand): void => {
        let events: WorkflowEvent[];
        try {
          events = decide(command, state);
        } catch (error) {
          if (error instanceof DomainError) return;
          throw error;
        }
        const before = state;
        state = foldEvents(events, state);
        for (const event of events) timers.push(...timersOf('wf-1', event));
        check(command, before, state);
      };
      apply(start(nobody, { fetch_user: 'canary,stable' }, of));
      for (const { step: next, advanceMs, stableAlive } of steps) {
        if (state.type === 'Empty') return;
        now += advanceMs;
        ids += 1;
        const routing = stableAlive ? alive('fetch_user', 'stable', now) : nobody;
        const scheduling = { nextTaskId: `a${ids}`, routing, now };
        const attempts = state.run.tasks;
        const attemptOf = (pick: number) => attempts[attempts.length - 1 - (pick % Math.max(attempts.length, 1))];
        switch (next.kind) {
          case 'result': {
            const attempt = attemptOf(next.attempt);
            if (attempt === undefined) break;
            const reasonForIncompletion = next.status === 'COMPLETED' || next.status === 'IN_PROGRESS' ? null : 'boom';
            apply({ type: 'RecordTaskResult', data: { ...scheduling, taskId: attempt.taskId, status: next.status, outputData: {}, reasonForIncompletion, workerId: 'w', callbackAfterSeconds: next.callbackAfterSeconds } });
            break;
          }
          case 'take': {
            const attempt = attemptOf(next.attempt);
            if (attempt !== undefined) apply({ type: 'StartTask', data: { taskId: attempt.taskId, workerId: 'http-1', now } });
            break;
          }
          case 'timer': {
            const timer = timers[next.pick % Math.max(timers.length, 1)];
            if (timer === undefined) break;
            now = next.early ? Math.max(now, timer.dueAt - 1) : Math.max(now, timer.dueAt);
            apply({ type: 'FireTimer', data: { ...scheduling, now, timer } });
            break;
          }
          case 'operator': {
            const commands: Record<typeof next.action, WorkflowCommand> = {
              terminate: { type: 'TerminateWorkflow', data: { reason: 'stop', now } },
              pause: { type: 'PauseWorkflow', data: { now } },
              resume: { type: 'ResumeWorkflow', data: scheduling },
              retry: { type: 'RetryWorkflow', data: scheduling },
              restart: { type: 'RestartWorkflow', data: scheduling },
              reroute: { type: 'ChangeTaskToDomain', data: { ...scheduling, taskToDomain: parsedRules({ fetch_user: 'stable' }), reroute: true } },
              remap: { type: 'ChangeTaskToDomain', data: { ...scheduling, taskToDomain: parsedRules({ fetch_user: 'canary,stable' }), reroute: false } },
            };
            apply(commands[next.action]);
            break;
          }
          default: {
            const unknownStep: never = next;
            throw new Error(`unknown step ${JSON.stringify(unknownStep)}`);
          }
        }
      }
    }

    const runs = fc.tuple(fc.tuple(policy, policy), workflowPolicy, fc.array(step, { minLength: 1, maxLength: 40 }));

    it('firing the same timer twice in a row decides nothing the second time', () => {
      fc.assert(
        fc.property(runs, ([policies, workflow, steps]) => {
          play(policies, workflow, steps, (command, _before, after) => {
            if (command.type !== 'FireTimer') return;
            expect(decide({ ...command, data: { ...command.data, nextTaskId: 'twice' } }, after)).toEqual([]);
          });
        }),
        { numRuns: 300 },
      );
    });

    it('never has two open attempts of one task, and an ended run has none', () => {
      fc.assert(
        fc.property(runs, ([policies, workflow, steps]) => {
          play(policies, workflow, steps, (_command, _before, after) => {
            if (after.type === 'Empty') return;
            const open = after.run.tasks.filter(isOpenTask);
            expect(new Set(open.map((task) => task.taskIndex)).size).toBe(open.length);
            expect(open.length).toBeLessThanOrEqual(1);
            if (after.type !== 'Running' && after.type !== 'Paused') expect(open).toEqual([]);
            // An open attempt and a retry waiting for its delay are never both there.
            if (after.run.pendingRetries.length > 0) expect(open).toEqual([]);
          });
        }),
        { numRuns: 300 },
      );
    });

    it('a paused run schedules nothing', () => {
      fc.assert(
        fc.property(runs, ([policies, workflow, steps]) => {
          play(policies, workflow, steps, (command, before, after) => {
            if (before.type !== 'Paused' || command.type === 'ResumeWorkflow' || after.type === 'Empty') return;
            expect(after.run.tasks.length).toBeLessThanOrEqual(before.run.tasks.length);
            expect(after.run.pendingRetries).toEqual(before.run.pendingRetries);
          });
        }),
        { numRuns: 300 },
      );
    });
  });
});
