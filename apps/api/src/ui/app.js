/**
 * Hash routing between the views: #/queues, #/runs[?filters], #/run, #/execution/<id>.
 * A view is `render(container, captures)` and may return a function that stops
 * whatever it keeps running (refresh timers), called when the view is left.
 */
import { UNAUTHORIZED_EVENT } from './api.js';
import { h } from './dom.js';
import { renderSignIn } from './views/sign-in.js';
import { renderQueues } from './views/queues.js';
import { renderRuns } from './views/runs.js';
import { renderRun } from './views/run.js';
import { renderExecution } from './views/execution.js';

const routes = [
  { name: 'queues', title: 'Task Queues', pattern: /^#\/queues\/?$/, render: renderQueues },
  { name: 'runs', title: 'Runs', pattern: /^#\/runs\/?(?:\?(.*))?$/, render: (container, [query]) => renderRuns(container, new URLSearchParams(query ?? '')) },
  { name: 'run', title: 'Run workflow', pattern: /^#\/run\/?$/, render: renderRun },
  { name: 'execution', title: 'Execution', pattern: /^#\/execution(?:\/([^/]+))?\/?$/, render: (container, [id]) => renderExecution(container, id === undefined ? undefined : decodeURIComponent(id)) },
];

let stopCurrent = () => undefined;

function route() {
  const hash = location.hash === '' || location.hash === '#' || location.hash === '#/' ? '#/queues' : location.hash;
  const match = routes.map((candidate) => ({ candidate, found: candidate.pattern.exec(hash) })).find(({ found }) => found !== null);
  stopCurrent();
  stopCurrent = () => undefined;
  const container = document.getElementById('view');
  container.replaceChildren();
  for (const link of document.querySelectorAll('[data-nav]')) {
    link.classList.toggle('active', match !== undefined && link.dataset.nav === match.candidate.name);
  }
  if (match === undefined) {
    container.append(h('section', { className: 'card' }, h('h1', {}, 'Not found'), h('p', {}, 'No page at ', h('code', {}, hash), '. ', h('a', { href: '#/queues' }, 'Task Queues'))));
    return;
  }
  document.title = `Turnout · ${match.candidate.title}`;
  const stop = match.candidate.render(container, match.found.slice(1));
  if (typeof stop === 'function') stopCurrent = stop;
}

/** With API keys, a 401 (no token yet, or it expired) stops the view and asks for a key; signed in, the same view comes back. */
let signingIn = false;
window.addEventListener(UNAUTHORIZED_EVENT, () => {
  if (signingIn) return;
  signingIn = true;
  stopCurrent();
  stopCurrent = () => undefined;
  document.title = 'Turnout · Sign in';
  renderSignIn(document.getElementById('view'), () => {
    signingIn = false;
    route();
  });
});

window.addEventListener('hashchange', () => {
  if (!signingIn) route();
});
route();
