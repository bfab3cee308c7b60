/** Task Queues: every task type, its queues by domain, their depth and the workers polling each. */
import { api } from '../api.js';
import { badge, h, replace, time } from '../dom.js';
import { every } from '../refresh.js';

const REFRESH_MS = 2000;

export function renderQueues(container) {
  const status = h('p', { className: 'status-line muted', 'aria-live': 'polite' }, 'Loading…');
  const body = h('div', { className: 'queues' });
  container.append(
    h(
      'section',
      { className: 'page-head' },
      h('h1', {}, 'Task Queues'),
      h('p', { className: 'muted' }, 'Each task type with its default queue and one queue per domain (', h('code', {}, 'type@domain'), '), the messages waiting in each and the workers polling it. A worker is active while its last heartbeat is recent enough for routing to choose its domain. Refreshes every 2 s.'),
      status,
    ),
    body,
  );

  return every(REFRESH_MS, async () => {
    try {
      const [depths, pollData] = await Promise.all([api.queueDepths(), api.pollData()]);
      const types = groupByTaskType(depths, pollData);
      replace(body, ...(types.length === 0 ? [emptyState()] : types.map(taskTypeCard)));
      const workers = pollData.length;
      const active = pollData.filter((row) => row.active).length;
      status.className = 'status-line muted';
      status.textContent = `Updated ${new Date().toLocaleTimeString()} · ${types.length} task type${types.length === 1 ? '' : 's'}, ${workers} worker${workers === 1 ? '' : 's'} (${active} active)`;
    } catch (error) {
      status.className = 'status-line error';
      status.textContent = `Could not refresh (${error.message}); trying again in 2 s.`;
    }
  });
}

/** [{ taskType, queues: [{ queueName, domain, depth, workers: [...] }] }], default queue first. */
function groupByTaskType(depths, pollData) {
  const types = new Map();
  const queueOf = (queueName, taskType, domain) => {
    if (!types.has(taskType)) types.set(taskType, new Map());
    const queues = types.get(taskType);
    if (!queues.has(queueName)) queues.set(queueName, { queueName, domain, depth: null, workers: [] });
    return queues.get(queueName);
  };
  for (const [queueName, depth] of Object.entries(depths ?? {})) {
    // Task types and domains never contain "@" (names.ts), so the first one splits them.
    const at = queueName.indexOf('@');
    const queue = queueOf(queueName, at < 0 ? queueName : queueName.slice(0, at), at < 0 ? null : queueName.slice(at + 1));
    queue.depth = depth;
  }
  for (const row of Array.isArray(pollData) ? pollData : []) queueOf(row.queueName, row.taskType, row.domain).workers.push(row);
  return [...types.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([taskType, queues]) => ({
      taskType,
      queues: [...queues.values()]
        .sort((a, b) => (a.domain === null ? -1 : b.domain === null ? 1 : a.domain.localeCompare(b.domain)))
        .map((queue) => ({ ...queue, workers: queue.workers.sort((a, b) => Number(b.active) - Number(a.active) || b.lastPollTime - a.lastPollTime) })),
    }));
}

function emptyState() {
  return h(
    'section',
    { className: 'card empty' },
    h('p', {}, 'No task queues yet.'),
    h('p', { className: 'muted' }, 'A queue appears here once a workflow schedules a task into it or a worker polls it.'),
  );
}

function taskTypeCard({ taskType, queues }) {
  const activeWorkers = queues.reduce((sum, queue) => sum + queue.workers.filter((worker) => worker.active).length, 0);
  return h(
    'section',
    { className: 'card', dataset: { taskType } },
    h('h2', {}, h('code', {}, taskType), h('span', { className: 'muted small' }, ` ${queues.length} queue${queues.length === 1 ? '' : 's'}, ${activeWorkers} active worker${activeWorkers === 1 ? '' : 's'}`)),
    h(
      'table',
      { className: 'grid' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Queue'), h('th', {}, 'Domain'), h('th', { className: 'num' }, 'Waiting'), h('th', {}, 'Workers'))),
      h('tbody', {}, queues.map(queueRow)),
    ),
  );
}

function queueRow(queue) {
  return h(
    'tr',
    { dataset: { queue: queue.queueName } },
    h('td', {}, h('code', {}, queue.queueName)),
    h('td', {}, queue.domain === null ? h('span', { className: 'muted' }, 'default (no domain)') : queue.domain),
    h('td', { className: 'num', dataset: { field: 'depth' } }, queue.depth === null ? '—' : String(queue.depth)),
    h('td', {}, queue.workers.length === 0 ? h('span', { className: 'muted' }, 'no worker has polled') : h('ul', { className: 'workers' }, queue.workers.map(workerItem))),
  );
}

function workerItem(worker) {
  return h(
    'li',
    { dataset: { workerId: worker.workerId, active: String(worker.active) } },
    badge(worker.active ? 'active' : 'inactive'),
    ' ',
    h('code', {}, worker.workerId),
    h('span', { className: 'muted small' }, ` ${worker.transport} · last heartbeat `, time(worker.lastPollTime)),
  );
}
