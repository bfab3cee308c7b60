/** Execution: a workflow run and, per task, its status, domain, queue, why it went there, input and output. */
import { ApiError, api, recentRuns } from '../api.js';
import { badge, h, json, replace, time } from '../dom.js';
import { every } from '../refresh.js';

const REFRESH_MS = 1000;

export function renderExecution(container, workflowId) {
  if (workflowId === undefined) return renderLookup(container);

  const status = h('p', { className: 'status-line muted', 'aria-live': 'polite' }, 'Loading…');
  const body = h('div', { className: 'execution' });
  container.append(
    h('section', { className: 'page-head' }, h('h1', {}, 'Execution'), h('p', { className: 'muted' }, 'Workflow ', h('code', {}, workflowId)), status),
    body,
  );

  let shown = '';
  return every(REFRESH_MS, async () => {
    try {
      const workflow = await api.workflow(workflowId);
      const text = JSON.stringify(workflow);
      // Re-render only on change, so a selection or scroll inside the page survives.
      if (text !== shown) {
        shown = text;
        replace(body, workflowCard(workflow), ...(workflow.tasks ?? []).map(taskCard));
        if ((workflow.tasks ?? []).length === 0) body.append(h('section', { className: 'card empty' }, h('p', { className: 'muted' }, 'No task scheduled yet.')));
      }
      const running = workflow.status === 'RUNNING';
      status.className = 'status-line muted';
      status.textContent = running ? `Running · refreshing every second (updated ${new Date().toLocaleTimeString()})` : `${workflow.status} · no longer refreshing`;
      return running;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        status.className = 'status-line error';
        replace(status, `There is no workflow with id ${workflowId}. `, h('a', { href: '#/execution' }, 'Open another'));
        return false;
      }
      status.className = 'status-line error';
      status.textContent = `Could not refresh (${error.message}); trying again.`;
      return true;
    }
  });
}

function workflowCard(workflow) {
  const facts = [
    ['Started', workflow.startTime ? clock(workflow.startTime) : '—'],
    ['Ended', workflow.endTime ? [clock(workflow.endTime), h('span', { className: 'muted' }, ` after ${duration(workflow.endTime - workflow.startTime)}`)] : h('span', { className: 'muted' }, 'not yet')],
    ['Task to Domain', workflow.taskToDomain && Object.keys(workflow.taskToDomain).length > 0 ? h('code', { dataset: { field: 'taskToDomain' } }, mapText(workflow.taskToDomain)) : h('span', { className: 'muted' }, 'none: every task uses its default queue')],
  ];
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

function taskCard(task) {
  const routing = task.routing ?? null;
  return h(
    'section',
    { className: 'card task', dataset: { taskRef: task.referenceTaskName, taskId: task.taskId, status: task.status } },
    h('h2', {}, h('code', {}, task.referenceTaskName), h('span', { className: 'muted small' }, ` type ${task.taskType}`), ' ', badge(task.status, String(task.status).toLowerCase())),
    factList([
      ['Domain', task.domain === null || task.domain === undefined ? h('span', { className: 'muted' }, 'none (default queue)') : task.domain, 'domain'],
      ['Queue', h('code', {}, task.queueName ?? '—'), 'queue'],
      ['Worker', task.workerId ? h('code', {}, task.workerId) : h('span', { className: 'muted' }, '—'), 'worker'],
      ['Retry', String(task.retryCount ?? 0), 'retry'],
      task.reasonForIncompletion ? ['Reason', h('span', { className: 'error' }, task.reasonForIncompletion), 'reason'] : null,
    ]),
    routing === null ? null : routingBlock(routing, task.scheduledTime),
    h('div', { className: 'io' }, h('div', {}, h('h3', {}, 'Input'), json(task.inputData)), h('div', {}, h('h3', {}, 'Output'), json(task.outputData))),
  );
}

function routingBlock(routing, scheduledTime) {
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

function clock(epochMs) {
  const at = new Date(epochMs);
  return h('time', { datetime: at.toISOString(), title: at.toISOString() }, at.toLocaleString());
}

function duration(ms) {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
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
    h('section', { className: 'page-head' }, h('h1', {}, 'Execution'), h('p', { className: 'muted' }, 'Open a workflow run by its id.')),
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
