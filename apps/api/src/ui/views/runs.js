/**
 * Runs: the workflow runs GET /api/workflow/search finds, filtered by status, workflow type
 * and domain (runs with a task waiting there: where to look when a pool dies). The filters
 * live in the hash (#/runs?status=RUNNING,PAUSED&workflowType=x&domain=y&start=0), so a
 * filtered list can be linked to and the back button undoes a filter. A change of filter
 * pushes its hash without a hashchange: only the list is drawn again, never the form
 * being filled in.
 */
import { api } from '../api.js';
import { badge, clock, duration, h, replace } from '../dom.js';
import { refreshing } from '../refresh.js';

const REFRESH_MS = 2000;
const PAGE_SIZE = 25;
const WORKFLOW_STATUSES = ['RUNNING', 'PAUSED', 'COMPLETED', 'FAILED', 'TIMED_OUT', 'TERMINATED'];

export function renderRuns(container, params) {
  let alive = true;
  let filters = filtersOf(params);
  /** Bumped by each change of filter: a search sent before it is not drawn. */
  let generation = 0;

  const statusBoxes = WORKFLOW_STATUSES.map((status) => {
    const box = h('input', { type: 'checkbox', id: `runs-status-${status}`, name: 'status', value: status, checked: filters.statuses.includes(status) });
    box.addEventListener('change', apply);
    return h('label', { className: 'check', for: `runs-status-${status}` }, box, ' ', badge(status));
  });
  const typeSelect = h('select', { id: 'runs-type', name: 'workflowType' }, typeOptions([], filters.workflowType));
  typeSelect.value = filters.workflowType;
  typeSelect.addEventListener('change', apply);
  const domainInput = h('input', { type: 'text', id: 'runs-domain', name: 'domain', list: 'runs-known-domains', placeholder: 'any', autocomplete: 'off', spellcheck: 'false', value: filters.domain });
  const knownDomains = h('datalist', { id: 'runs-known-domains' });
  const status = h('p', { className: 'status-line muted', 'aria-live': 'polite' }, 'Loading…');
  const body = h('div', { className: 'runs' });

  container.append(
    h(
      'section',
      { className: 'page-head' },
      h('h1', {}, 'Runs'),
      h('p', { className: 'muted' }, 'The workflow runs search finds (GET /api/workflow/search), newest first. ', h('em', {}, 'Task waiting in domain'), ' finds the runs with a task waiting in that domain’s queue: the runs a dead pool holds up. Refreshes every 2 s.'),
      status,
    ),
    h(
      'form',
      {
        id: 'runs-filters',
        className: 'card form filters',
        onsubmit: (event) => {
          event.preventDefault();
          apply();
        },
      },
      h('fieldset', {}, h('legend', {}, 'Status ', h('span', { className: 'muted small' }, '(none checked: any)')), h('div', { className: 'checks' }, statusBoxes)),
      h(
        'div',
        { className: 'filter-row' },
        h('div', {}, h('label', { for: 'runs-type' }, 'Workflow type'), typeSelect),
        h('div', {}, h('label', { for: 'runs-domain' }, 'Task waiting in domain'), domainInput, knownDomains),
        h('div', { className: 'actions' }, h('button', { type: 'submit', id: 'runs-apply' }, 'Apply'), ' ', h('a', { href: '#/runs', className: 'small' }, 'Clear filters')),
      ),
    ),
    body,
  );

  loadChoices();

  function apply() {
    const chosen = {
      statuses: statusBoxes.map((label) => label.querySelector('input')).filter((box) => box.checked).map((box) => box.value),
      workflowType: typeSelect.value,
      domain: domainInput.value.trim(),
      start: 0,
    };
    if (runsHash(chosen) === runsHash(filters)) return;
    filters = chosen;
    generation += 1;
    history.pushState(null, '', runsHash(chosen));
    shown = '';
    replace(body, h('p', { className: 'muted' }, 'Searching…'));
    refresh.now();
  }

  async function loadChoices() {
    const [definitions, pollData] = await Promise.allSettled([api.workflowDefinitions(), api.pollData()]);
    if (!alive) return;
    if (definitions.status === 'fulfilled' && Array.isArray(definitions.value)) {
      replace(typeSelect, typeOptions([...new Set(definitions.value.map((definition) => definition.name))], filters.workflowType));
      typeSelect.value = filters.workflowType;
    }
    if (pollData.status === 'fulfilled' && Array.isArray(pollData.value)) {
      const domains = [...new Set(pollData.value.map((row) => row.domain).filter((domain) => typeof domain === 'string'))].sort();
      replace(knownDomains, domains.map((domain) => h('option', { value: domain })));
    }
  }

  let shown = '';
  const refresh = refreshing(REFRESH_MS, async () => {
    const searched = { filters, generation };
    try {
      const result = await api.searchWorkflows({ start: searched.filters.start, size: PAGE_SIZE, query: searchQuery(searched.filters), domain: searched.filters.domain });
      if (searched.generation !== generation) return REFRESH_MS;
      const runs = Array.isArray(result?.results) ? result.results : [];
      const totalHits = typeof result?.totalHits === 'number' ? result.totalHits : runs.length;
      const text = JSON.stringify(result);
      // Re-render only on change, so a selection inside the table survives.
      if (text !== shown) {
        shown = text;
        replace(body, runs.length === 0 ? emptyState(searched.filters) : runsTable(runs, searched.filters, totalHits));
      }
      status.className = 'status-line muted';
      status.textContent = `Updated ${new Date().toLocaleTimeString()} · ${totalHits} run${totalHits === 1 ? '' : 's'} match${totalHits === 1 ? 'es' : ''}`;
    } catch (error) {
      status.className = 'status-line error';
      status.textContent = `Could not search (${error.message}); trying again in 2 s.`;
    }
  });

  return () => {
    alive = false;
    refresh.stop();
  };
}

/** The filters a #/runs hash carries; unknown statuses are dropped. */
function filtersOf(params) {
  const start = Number.parseInt(params.get('start') ?? '0', 10);
  return {
    statuses: (params.get('status') ?? '').split(',').filter((status) => WORKFLOW_STATUSES.includes(status)),
    workflowType: params.get('workflowType') ?? '',
    domain: (params.get('domain') ?? '').trim(),
    start: Number.isFinite(start) && start > 0 ? start : 0,
  };
}

function runsHash({ statuses, workflowType, domain, start }) {
  const params = new URLSearchParams();
  if (statuses.length > 0) params.set('status', statuses.join(','));
  if (workflowType !== '') params.set('workflowType', workflowType);
  if (domain !== '') params.set('domain', domain);
  if (start > 0) params.set('start', String(start));
  const text = params.toString();
  return text === '' ? '#/runs' : `#/runs?${text}`;
}

/** Conductor's search query: `workflowType = x AND status IN (RUNNING,PAUSED)`; blank for no filter. */
function searchQuery({ statuses, workflowType }) {
  const clauses = [];
  if (workflowType !== '') clauses.push(`workflowType = ${queryValue(workflowType)}`);
  if (statuses.length > 0) clauses.push(`status IN (${statuses.join(',')})`);
  return clauses.join(' AND ');
}

/** A name as a query value: bare when it is one word, else in double quotes. */
function queryValue(name) {
  return /^[\w.-]+$/.test(name) ? name : `"${name.replace(/["\\]/g, '\\$&')}"`;
}

function typeOptions(names, chosen) {
  const all = [...new Set([...names, ...(chosen === '' ? [] : [chosen])])].sort((a, b) => a.localeCompare(b));
  return [h('option', { value: '' }, 'Any type'), all.map((name) => h('option', { value: name }, name))];
}

function emptyState(filters) {
  const filtered = filters.statuses.length > 0 || filters.workflowType !== '' || filters.domain !== '';
  return h(
    'section',
    { className: 'card empty', id: 'runs-empty' },
    h('p', {}, filtered ? 'No run matches these filters.' : 'No runs yet.'),
    filtered ? h('p', {}, h('a', { href: '#/runs' }, 'Show all runs')) : h('p', { className: 'muted' }, h('a', { href: '#/run' }, 'Run a workflow'), ' and it appears here.'),
  );
}

function runsTable(runs, filters, totalHits) {
  const first = filters.start + 1;
  const last = filters.start + runs.length;
  const previous = Math.max(0, filters.start - PAGE_SIZE);
  return h(
    'section',
    { className: 'card' },
    h(
      'table',
      { className: 'grid', id: 'runs-table' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Workflow id'), h('th', {}, 'Type'), h('th', {}, 'Status'), h('th', {}, 'Started'), h('th', {}, 'Took'), h('th', {}, 'Correlation id'))),
      h('tbody', {}, runs.map(runRow)),
    ),
    h(
      'p',
      { className: 'pager muted small' },
      `${first}–${last} of ${totalHits}`,
      filters.start > 0 ? [' · ', h('a', { href: runsHash({ ...filters, start: previous }), id: 'runs-previous' }, '← newer')] : null,
      last < totalHits ? [' · ', h('a', { href: runsHash({ ...filters, start: last }), id: 'runs-next' }, 'older →')] : null,
    ),
  );
}

/** A summary's time: Conductor's WorkflowSummary writes ISO strings; epoch ms are taken too. Null when absent. */
function epochOf(time) {
  const epochMs = typeof time === 'string' ? Date.parse(time) : time;
  return typeof epochMs === 'number' && Number.isFinite(epochMs) && epochMs > 0 ? epochMs : null;
}

function runRow(run) {
  const startTime = epochOf(run.startTime);
  const endTime = epochOf(run.endTime);
  return h(
    'tr',
    { dataset: { workflowId: run.workflowId, status: run.status } },
    h('td', {}, h('a', { href: `#/execution/${encodeURIComponent(run.workflowId)}` }, h('code', {}, run.workflowId))),
    h('td', {}, run.workflowType, h('span', { className: 'muted small' }, run.version === undefined ? '' : ` v${run.version}`)),
    h('td', { dataset: { field: 'status' } }, badge(run.status), run.reasonForIncompletion ? h('div', { className: 'error small' }, run.reasonForIncompletion) : null),
    h('td', {}, startTime === null ? '—' : clock(startTime)),
    h('td', {}, endTime === null || startTime === null ? h('span', { className: 'muted' }, 'not ended') : duration(endTime - startTime)),
    h('td', {}, run.correlationId ? h('code', {}, run.correlationId) : h('span', { className: 'muted' }, '—')),
  );
}
