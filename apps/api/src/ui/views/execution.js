/**
 * Execution: a workflow run and, per task, its status, domain, queue, why it went there, input
 * and output; with the operator's controls (terminate, pause, resume, retry, restart, a new
 * Task to Domain map), each enabled when the run's status allows it. Control flow is shown as
 * the run holds it: a fork's tasks under it by branch, a switch's under the case it chose, a
 * sub-workflow's link to its child run, and a child's link back to its parent.
 */
import { ApiError, api, fieldErrorsOf, recentRuns } from '../api.js';
import { badge, clock, duration, h, json, replace, time } from '../dom.js';
import { fieldErrorList, parseObject } from '../forms.js';
import { refreshing } from '../refresh.js';

const REFRESH_MS = 1000;
/** An ended run can still be retried or restarted from elsewhere: look now and then. */
const ENDED_REFRESH_MS = 5000;
const ENDED_STATUSES = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'TERMINATED'];

/**
 * The operator's actions, the statuses each fits (as the api's decide allows them) and
 * what the page says once the api accepted one.
 */
const ACTIONS = [
  { name: 'pause', label: 'Pause', fits: ['RUNNING'], done: 'Paused: nothing new is scheduled until it is resumed.', call: (id) => api.pause(id) },
  { name: 'resume', label: 'Resume', fits: ['PAUSED'], done: 'Resumed.', call: (id) => api.resume(id) },
  { name: 'retry', label: 'Retry', fits: ['FAILED', 'TIMED_OUT'], done: 'Retried from the task that ended it, routed afresh.', call: (id) => api.retry(id) },
  { name: 'restart', label: 'Restart', fits: ENDED_STATUSES, done: 'Restarted from its first task, with the same input and map.', call: (id) => api.restart(id) },
];
const TERMINATE_FITS = ['RUNNING', 'PAUSED'];
const MAP_CHANGE_FITS = ['RUNNING', 'PAUSED'];

export function renderExecution(container, workflowId) {
  if (workflowId === undefined) return renderLookup(container);

  const status = h('p', { className: 'status-line muted', 'aria-live': 'polite' }, 'Loading…');
  const body = h('div', { className: 'execution' });
  const controls = operatorControls(workflowId, () => refresh.now());
  container.append(
    h('section', { className: 'page-head' }, h('h1', {}, 'Execution'), h('p', { className: 'muted' }, 'Workflow ', h('code', {}, workflowId)), status),
    controls.element,
    body,
  );

  let shown = '';
  const refresh = refreshing(REFRESH_MS, async () => {
    try {
      const workflow = await api.workflow(workflowId);
      const text = JSON.stringify(workflow);
      // Re-render only on change, so a selection or scroll inside the page survives.
      if (text !== shown) {
        shown = text;
        replace(body, workflowCard(workflow), taskTree(workflow.tasks ?? []));
        if ((workflow.tasks ?? []).length === 0) body.append(h('section', { className: 'card empty' }, h('p', { className: 'muted' }, 'No task scheduled yet.')));
      }
      controls.show(workflow);
      const ended = ENDED_STATUSES.includes(workflow.status);
      status.className = 'status-line muted';
      status.textContent = ended
        ? `${workflow.status} · checking for changes every ${ENDED_REFRESH_MS / 1000} s`
        : `${workflow.status === 'PAUSED' ? 'Paused' : 'Running'} · refreshing every second (updated ${new Date().toLocaleTimeString()})`;
      return ended ? ENDED_REFRESH_MS : REFRESH_MS;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        status.className = 'status-line error';
        replace(status, `There is no workflow with id ${workflowId}. `, h('a', { href: '#/execution' }, 'Open another'));
        controls.element.hidden = true;
        return false;
      }
      status.className = 'status-line error';
      status.textContent = `Could not refresh (${error.message}); trying again.`;
      return REFRESH_MS;
    }
  });
  return () => refresh.stop();
}

/**
 * The controls card, built once (a refresh must not wipe a reason or a map being typed);
 * `show(workflow)` enables what fits the run's status. `changed()` is called after the api
 * accepted an action, to show its effect at once.
 */
function operatorControls(workflowId, changed) {
  let current = null;
  let busy = false;
  let mapEdited = false;

  const messages = [];
  const message = (name) => {
    const said = h('span', { className: 'control-message', id: `${name}-message`, role: 'status', 'aria-live': 'polite' });
    messages.push(said);
    return said;
  };
  const buttons = ACTIONS.map((action) => ({ action, button: h('button', { type: 'button', id: `action-${action.name}`, disabled: true }, action.label), message: message(action.name) }));
  for (const { action, button, message: said } of buttons) button.addEventListener('click', () => perform(button, said, action.done, () => action.call(workflowId)));

  const reason = h('input', { type: 'text', id: 'terminate-reason', name: 'reason', placeholder: 'reason (optional)', autocomplete: 'off' });
  const terminate = h('button', { type: 'button', id: 'action-terminate', className: 'danger', disabled: true }, 'Terminate');
  const terminateMessage = message('terminate');
  terminate.addEventListener('click', () =>
    perform(terminate, terminateMessage, 'Terminated: its waiting tasks are canceled.', () => api.terminate(workflowId, reason.value.trim())).then((accepted) => {
      if (accepted) reason.value = '';
    }),
  );

  const mapInput = h('textarea', { id: 'new-task-to-domain', name: 'taskToDomain', rows: 3, spellcheck: 'false', placeholder: '{"hello_world": "doug,NO_DOMAIN"}', 'aria-describedby': 'new-task-to-domain-hint' });
  mapInput.addEventListener('input', () => (mapEdited = true));
  const reroute = h('input', { type: 'checkbox', id: 'reroute', name: 'reroute' });
  const mapSubmit = h('button', { type: 'submit', id: 'change-task-to-domain', disabled: true }, 'Change map');
  const mapErrors = h('div', { id: 'task-to-domain-errors', className: 'form-errors', role: 'alert', hidden: true });
  const mapMessage = message('task-to-domain');
  const mapForm = h(
    'form',
    { id: 'task-to-domain-form', className: 'form', novalidate: true, onsubmit: (event) => changeMap(event) },
    h('label', { for: 'new-task-to-domain' }, 'Task to Domain ', h('span', { className: 'muted' }, '(JSON object; blank for none)')),
    mapInput,
    h('p', { className: 'hint', id: 'new-task-to-domain-hint' }, 'Applies to every task scheduled from now on. Validated like a map at the start.'),
    h('label', { className: 'check', for: 'reroute' }, reroute, ' reroute waiting tasks ', h('span', { className: 'muted small' }, '(a task still in its queue is canceled and scheduled again with the new map)')),
    mapErrors,
    h('div', { className: 'actions' }, mapSubmit, ' ', mapMessage),
  );

  const element = h(
    'section',
    { className: 'card controls', id: 'controls' },
    h('h2', {}, 'Operator actions'),
    h('div', { className: 'action-row' }, buttons.map(({ action, button, message: said }) => h('div', { className: 'action', dataset: { action: action.name } }, button, said))),
    h('div', { className: 'action-row' }, h('div', { className: 'action terminate', dataset: { action: 'terminate' } }, reason, terminate, terminateMessage)),
    mapForm,
  );

  /** Runs one call; its refusal (409, 400, …) or its success is said next to its control. Answers whether it was accepted. */
  async function perform(control, said, doneText, call) {
    if (busy) return false;
    busy = true;
    enable();
    // Only the latest action's outcome stands next to its control.
    for (const other of messages) replace(other);
    mapErrors.hidden = true;
    said.className = 'control-message muted';
    said.textContent = 'Sending…';
    try {
      await call();
      said.className = 'control-message ok';
      said.textContent = doneText;
      changed();
      return true;
    } catch (error) {
      said.className = 'control-message error';
      said.textContent = refusalText(error);
      return false;
    } finally {
      busy = false;
      enable();
      control.focus();
    }
  }

  async function changeMap(event) {
    event.preventDefault();
    mapErrors.hidden = true;
    replace(mapErrors);
    mapInput.removeAttribute('aria-invalid');
    const problems = [];
    const map = parseObject(mapInput.value, 'taskToDomain', mapInput, problems, {});
    if (problems.length > 0) return showMapProblems(problems);
    let fieldErrors = [];
    const accepted = await perform(mapSubmit, mapMessage, reroute.checked ? 'Map changed; waiting tasks rerouted.' : 'Map changed for the tasks scheduled from now on.', async () => {
      try {
        await api.changeTaskToDomain(workflowId, map, reroute.checked);
      } catch (error) {
        fieldErrors = fieldErrorsOf(error);
        throw error;
      }
    });
    if (accepted) {
      mapEdited = false;
      reroute.checked = false;
    } else if (fieldErrors.length > 0) {
      mapMessage.textContent = '';
      showMapProblems(fieldErrors);
    }
  }

  function showMapProblems(problems) {
    mapErrors.hidden = false;
    replace(mapErrors, h('p', {}, 'The map was not changed:'), fieldErrorList(problems));
    mapInput.setAttribute('aria-invalid', 'true');
    mapInput.focus();
  }

  function enable() {
    const runStatus = current?.status;
    for (const { action, button } of buttons) {
      button.disabled = busy || !action.fits.includes(runStatus);
      button.title = action.fits.includes(runStatus) ? '' : `Only a ${action.fits.join(', ')} run`;
    }
    terminate.disabled = busy || !TERMINATE_FITS.includes(runStatus);
    reason.disabled = !TERMINATE_FITS.includes(runStatus);
    terminate.title = TERMINATE_FITS.includes(runStatus) ? '' : 'Only a RUNNING or PAUSED run';
    const mapFits = MAP_CHANGE_FITS.includes(runStatus);
    mapSubmit.disabled = busy || !mapFits;
    mapSubmit.title = mapFits ? '' : 'Only a RUNNING or PAUSED run takes a new map';
  }

  return {
    element,
    show(workflow) {
      current = workflow;
      element.dataset.status = workflow.status;
      // The current map, unless the operator is typing a new one.
      if (!mapEdited) mapInput.value = workflow.taskToDomain && Object.keys(workflow.taskToDomain).length > 0 ? JSON.stringify(workflow.taskToDomain, null, 2) : '';
      enable();
    },
  };
}

/** "409: workflow … is COMPLETED: only a RUNNING or PAUSED run can be terminated", or what went wrong. */
function refusalText(error) {
  if (!(error instanceof ApiError)) return `Could not reach the api: ${error.message}`;
  const fields = fieldErrorsOf(error);
  const detail = fields.length > 0 ? fields.map(({ field, reason }) => `${field} ${reason}`).join('; ') : error.message;
  return `Refused (${error.status}): ${detail}`;
}

function workflowCard(workflow) {
  const facts = [
    ['Started', workflow.startTime ? clock(workflow.startTime) : '—'],
    ['Ended', workflow.endTime ? [clock(workflow.endTime), h('span', { className: 'muted' }, ` after ${duration(workflow.endTime - workflow.startTime)}`)] : h('span', { className: 'muted' }, 'not yet')],
    ['Task to Domain', workflow.taskToDomain && Object.keys(workflow.taskToDomain).length > 0 ? h('code', { dataset: { field: 'taskToDomain' } }, mapText(workflow.taskToDomain)) : h('span', { className: 'muted' }, 'none: every task uses its default queue')],
  ];
  const history = Array.isArray(workflow.taskToDomainHistory) ? workflow.taskToDomainHistory : [];
  if (history.length > 0) facts.push(['Earlier maps', mapHistory(history), 'taskToDomainHistory']);
  if (workflow.parentWorkflowId) {
    facts.push([
      'Parent run',
      [executionLink(workflow.parentWorkflowId), workflow.parentWorkflowTaskId ? h('span', { className: 'muted small' }, ' from its task ', h('code', {}, workflow.parentWorkflowTaskId)) : null],
      'parent',
    ]);
  }
  if (workflow.correlationId) facts.push(['Correlation id', h('code', {}, workflow.correlationId)]);
  if (workflow.reasonForIncompletion) facts.push(['Reason', h('span', { className: 'error' }, workflow.reasonForIncompletion)]);
  return h(
    'section',
    { className: 'card', id: 'workflow', dataset: { status: workflow.status } },
    h('h2', {}, workflow.workflowName, h('span', { className: 'muted small' }, ` v${workflow.workflowVersion ?? workflow.version ?? '?'}`), ' ', badge(workflow.status)),
    factList(facts),
    h('div', { className: 'io' }, h('div', {}, h('h3', {}, 'Input'), json(workflow.input)), h('div', {}, h('h3', {}, 'Output'), json(workflow.output))),
  );
}

function executionLink(workflowId) {
  return h('a', { href: `#/execution/${encodeURIComponent(workflowId)}` }, h('code', {}, workflowId));
}

/**
 * The run's tasks in scheduling order, each task placed in a fork's branch or a switch's case
 * (the api's `placement`) shown inside that fork or switch, indented, grouped by branch or case.
 */
function taskTree(tasks) {
  const placedIn = new Map();
  const top = [];
  for (const task of tasks) {
    if (!task.placement) {
      top.push(task);
      continue;
    }
    const container = task.placement.taskReferenceName;
    if (!placedIn.has(container)) placedIn.set(container, []);
    placedIn.get(container).push(task);
  }
  // A fork or switch attempted more than once holds its tasks under its latest attempt.
  const latest = new Map(tasks.map((task) => [task.referenceTaskName, task]));
  const shown = new Set();
  const render = (list) =>
    list.map((task) => {
      const inside = latest.get(task.referenceTaskName) === task ? placedIn.get(task.referenceTaskName) : undefined;
      if (inside === undefined) return taskCard(task);
      shown.add(task.referenceTaskName);
      return [taskCard(task), placedGroups(task, inside, render)];
    });
  const cards = render(top);
  // Tasks whose fork or switch is not among the run's tasks still show, after the others.
  const unplaced = [...placedIn].filter(([container]) => !shown.has(container)).flatMap(([, inside]) => inside);
  return [cards, unplaced.map(taskCard)];
}

/** A fork's tasks by branch (in branch order), or a switch's by case: each group labelled and indented under its task. */
function placedGroups(container, inside, render) {
  const groups = new Map();
  for (const task of inside) {
    const key = groupKey(task.placement);
    if (!groups.has(key.id)) groups.set(key.id, { ...key, tasks: [] });
    groups.get(key.id).tasks.push(task);
  }
  const ordered = [...groups.values()].sort((left, right) => left.order - right.order);
  return h(
    'div',
    { className: 'placed', dataset: { container: container.referenceTaskName } },
    ordered.map((group) =>
      h(
        'section',
        { className: `placed-group ${group.className}`, dataset: group.dataset, 'aria-label': `${group.label} of ${container.referenceTaskName}` },
        h('h3', { className: 'placed-label' }, group.label, h('span', { className: 'muted small' }, ` of ${container.referenceTaskName}`)),
        render(group.tasks),
      ),
    ),
  );
}

/** How a placement groups: its label, its order among its siblings, and what the page marks it with. */
function groupKey(placement) {
  switch (placement.type) {
    case 'FORK_JOIN':
      return { id: `branch-${placement.branch}`, order: placement.branch, label: `Branch ${placement.branch + 1}`, className: 'branch', dataset: { branch: String(placement.branch) } };
    case 'SWITCH':
      return placement.decisionCase === null
        ? { id: 'default', order: Number.MAX_SAFE_INTEGER, label: 'Default case', className: 'case', dataset: { case: '' } }
        : { id: `case-${placement.decisionCase}`, order: 0, label: `Case ${placement.decisionCase}`, className: 'case', dataset: { case: placement.decisionCase } };
    case 'DO_WHILE':
      return { id: 'loop', order: 0, label: 'Loop', className: 'loop', dataset: { loop: placement.taskReferenceName } };
    default:
      // A placement this page does not know yet: its own group, after the others.
      return { id: `other-${placement.type}`, order: Number.MAX_SAFE_INTEGER, label: String(placement.type), className: 'other', dataset: {} };
  }
}

/** Conductor's system task types: Turnout runs them, no worker polls them. */
const SYSTEM_TASK_TYPES = ['FORK', 'JOIN', 'SWITCH', 'SUB_WORKFLOW'];

function taskCard(task) {
  const routing = task.routing ?? null;
  const system = task.callbackFromWorker === false || SYSTEM_TASK_TYPES.includes(task.taskType);
  return h(
    'section',
    { className: task.status === 'CANCELED' ? 'card task canceled' : 'card task', dataset: { taskRef: task.referenceTaskName, taskId: task.taskId, status: task.status, taskType: task.taskType } },
    h('h2', {}, h('code', {}, task.referenceTaskName), h('span', { className: 'muted small' }, ` type ${task.taskType}`), ' ', badge(task.status, String(task.status).toLowerCase())),
    factList([
      system
        ? ['Domain', h('span', { className: 'muted' }, 'none: a system task, run by Turnout and never queued'), 'domain']
        : ['Domain', task.domain === null || task.domain === undefined ? h('span', { className: 'muted' }, 'none (default queue)') : task.domain, 'domain'],
      system ? null : ['Queue', h('code', {}, task.queueName ?? '—'), 'queue'],
      system ? null : ['Worker', task.workerId ? h('code', {}, task.workerId) : h('span', { className: 'muted' }, '—'), 'worker'],
      task.taskType === 'SWITCH' && task.chosenCase !== undefined ? ['Chosen case', chosenCase(task), 'chosen-case'] : null,
      task.subWorkflowId ? ['Sub-workflow', executionLink(task.subWorkflowId), 'sub-workflow'] : null,
      // START_WORKFLOW: the run it started (no child: it links back to nothing).
      task.taskType === 'START_WORKFLOW' && typeof task.outputData?.workflowId === 'string' ? ['Started run', executionLink(task.outputData.workflowId), 'started-run'] : null,
      ['Retry', String(task.retryCount ?? 0), 'retry'],
      task.reasonForIncompletion ? ['Reason', h('span', { className: 'error' }, task.reasonForIncompletion), 'reason'] : null,
    ]),
    // A system task has no queue to explain.
    routing === null || system ? null : routingBlock(routing, task),
    h('div', { className: 'io' }, h('div', {}, h('h3', {}, 'Input'), json(task.inputData)), h('div', {}, h('h3', {}, 'Output'), json(task.outputData))),
  );
}

/** "gold", or "default case" with the value that matched no case. */
function chosenCase(task) {
  const evaluated = Array.isArray(task.outputData?.evaluationResult) ? task.outputData.evaluationResult[0] : undefined;
  if (task.chosenCase !== null) return h('code', {}, task.chosenCase);
  return ['default case', evaluated === undefined ? null : h('span', { className: 'muted small' }, ' (', h('code', {}, JSON.stringify(evaluated)), ' matches no case)')];
}

function routingBlock(routing, task) {
  const scheduledTime = task.scheduledTime;
  const candidates = Array.isArray(routing.candidates) ? routing.candidates : [];
  return h(
    'div',
    { className: 'routing' },
    h('h3', {}, 'Why this queue'),
    h(
      'p',
      {},
      h('span', { className: 'rule', dataset: { field: 'rule' } }, routing.rule),
      routing.ruleKey === null || routing.ruleKey === undefined ? null : [' from the rule ', h('code', {}, mapText({ [routing.ruleKey]: routing.ruleValue }))],
    ),
    h('p', { dataset: { field: 'summary' } }, routing.summary),
    routing.replaces ? replacedAttempt(routing.replaces, task) : null,
    candidates.length === 0
      ? null
      : h(
          'table',
          { className: 'grid compact' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Domain checked'), h('th', {}, 'Live worker'), h('th', {}, 'Last worker seen'))),
          h(
            'tbody',
            {},
            candidates.map((candidate) =>
              h(
                'tr',
                {},
                h('td', {}, candidate.domain),
                h('td', {}, badge(candidate.active ? 'active' : 'inactive')),
                h('td', {}, !candidate.lastSeenAt ? h('span', { className: 'muted' }, 'never') : scheduledTime ? `${duration(scheduledTime - candidate.lastSeenAt)} before scheduling` : clock(candidate.lastSeenAt)),
              ),
            ),
          ),
        ),
  );
}

/** {"a": "b", "c": "d"} on one line, spaced for reading. */
function mapText(map) {
  return `{${Object.entries(map).map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`).join(', ')}}`;
}

/** A retry's or a replacement's predecessor: where it waited, how it ended, and whether the new attempt moved. */
function replacedAttempt(replaced, task) {
  return h(
    'p',
    { className: 'replaces', dataset: { field: 'replaces', moved: String(Boolean(replaced.moved)) } },
    'Replaces attempt ',
    h('code', {}, replaced.taskId),
    ' (',
    badge(replaced.status),
    replaced.reasonForIncompletion ? [': ', replaced.reasonForIncompletion] : null,
    '), which waited in ',
    h('code', {}, replaced.queueName),
    replaced.moved ? ['; this attempt moved to ', h('code', {}, task.queueName ?? '—'), '.'] : '; this attempt stays in the same queue.',
  );
}

/** The run's earlier maps, oldest first, each with when it was replaced. */
function mapHistory(history) {
  return h(
    'ol',
    { className: 'map-history' },
    history.map((entry) =>
      h(
        'li',
        {},
        entry.taskToDomain && Object.keys(entry.taskToDomain).length > 0 ? h('code', {}, mapText(entry.taskToDomain)) : h('span', { className: 'muted' }, 'none'),
        typeof entry.replacedAt === 'number' ? h('span', { className: 'muted small' }, ' until ', clock(entry.replacedAt)) : null,
      ),
    ),
  );
}

function factList(facts) {
  return h(
    'dl',
    { className: 'facts' },
    facts.filter(Boolean).map(([label, value, field]) => [h('dt', {}, label), h('dd', { dataset: field ? { field } : undefined }, value)]),
  );
}

/** #/execution with no id: open one by id, or one started from this browser. */
function renderLookup(container) {
  const idInput = h('input', { id: 'workflow-id', name: 'workflowId', type: 'text', placeholder: 'workflow id', autocomplete: 'off', spellcheck: 'false' });
  const runs = recentRuns();
  container.append(
    h('section', { className: 'page-head' }, h('h1', {}, 'Execution'), h('p', { className: 'muted' }, 'Open a workflow run by its id, or find it on the ', h('a', { href: '#/runs' }, 'Runs'), ' page.')),
    h(
      'form',
      {
        className: 'card form inline',
        onsubmit: (event) => {
          event.preventDefault();
          const id = idInput.value.trim();
          if (id !== '') location.hash = `#/execution/${encodeURIComponent(id)}`;
        },
      },
      h('label', { for: 'workflow-id' }, 'Workflow id'),
      idInput,
      h('div', { className: 'actions' }, h('button', { type: 'submit' }, 'Open')),
    ),
    h(
      'section',
      { className: 'card' },
      h('h2', {}, 'Started from this browser'),
      runs.length === 0
        ? h('p', { className: 'muted' }, 'None yet. ', h('a', { href: '#/run' }, 'Run a workflow'), '.')
        : h(
            'ul',
            { className: 'recent' },
            runs.map((run) =>
              h('li', {}, h('a', { href: `#/execution/${encodeURIComponent(run.workflowId)}` }, h('code', {}, run.workflowId)), h('span', { className: 'muted small' }, ` ${run.workflowName} v${run.version} · `, time(run.startedAt))),
            ),
          ),
    ),
  );
}
