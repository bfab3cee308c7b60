/**
 * The only way the UI builds DOM: elements and text nodes, never HTML strings,
 * so data from the server cannot become markup.
 */

/**
 * h('a', { href: '#/x', className: 'y', onclick: fn, dataset: { k: 'v' } }, 'text', child, [more])
 * Strings and numbers become text nodes; null, undefined and false are skipped.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'className') element.className = value;
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (key === 'value') element.value = value;
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

/** Replaces an element's children, taking what h() takes (strings, nodes, nested arrays). */
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

function append(parent, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(String(child)));
  }
}

/** Pretty JSON in a <pre>, as text. */
export function json(value, className = 'json') {
  return h('pre', { className }, value === undefined ? '—' : JSON.stringify(value, null, 2));
}

/** A coloured label for a status or flag. */
export function badge(text, kind = String(text).toLowerCase()) {
  return h('span', { className: `badge badge-${kind}` }, text);
}

/** "3 s ago", "2 min ago"; the exact time goes in the title. */
export function ago(epochMs, now = Date.now()) {
  if (typeof epochMs !== 'number' || !Number.isFinite(epochMs) || epochMs <= 0) return '—';
  const seconds = Math.max(0, Math.round((now - epochMs) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(epochMs).toLocaleString();
}

export function time(epochMs) {
  return h('time', { datetime: new Date(epochMs).toISOString(), title: new Date(epochMs).toLocaleString() }, ago(epochMs));
}

/** The local date and time, the ISO time in the title. */
export function clock(epochMs) {
  const at = new Date(epochMs);
  return h('time', { datetime: at.toISOString(), title: at.toISOString() }, at.toLocaleString());
}

/** "350 ms", "2.5 s", "3 min 4 s". */
export function duration(ms) {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
