// Client-side routes of the workspace under /app/. The hub answers every /app/<route> with
// app.html, so a reload or a shared link opens the same screen. Links with `data-link` (and
// any same-origin /app/ link without a file extension) navigate without reloading.

/** @typedef {{tag: string, params: Record<string, string>, path: string}} Match */

/** @type {Array<[RegExp, string]>} pattern → custom element tag */
const ROUTES = [
  [/^\/app\/?$/, 'gh-home'],
  [/^\/app\/signin$/, 'gh-signin'],
  [/^\/app\/directory$/, 'gh-directory'],
  [/^\/app\/projects$/, 'gh-projects'],
  [/^\/app\/projects\/(?<id>\d+)$/, 'gh-project'],
  [/^\/app\/memos$/, 'gh-memos'],
  [/^\/app\/memos\/(?<id>new|\d+)$/, 'gh-memo'],
  [/^\/app\/board$/, 'gh-board'],
  [/^\/app\/meetings$/, 'gh-meetings'],
  [/^\/app\/meetings\/new$/, 'gh-meeting-new'],
  [/^\/app\/meetings\/(?<id>\d+)$/, 'gh-meeting'],
  [/^\/app\/admin$/, 'gh-admin'],
];

/** @param {string} path @returns {Match} */
export function match(path) {
  for (const [pattern, tag] of ROUTES) {
    const m = pattern.exec(path);
    if (m) return { tag, params: { ...(m.groups ?? {}) }, path };
  }
  return { tag: 'gh-not-found', params: {}, path };
}

/** Goes to `url` (path + query) and renders it. */
export function navigate(/** @type {string} */ url, replace = false) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new CustomEvent('govhub:route'));
}

/** Starts listening to link clicks and history moves; `render` runs on each route change. */
export function startRouter(/** @type {() => void} */ render) {
  document.addEventListener('click', (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const a = ev.target instanceof Element ? ev.target.closest('a') : null;
    if (!a || a.target || a.origin !== location.origin || !a.pathname.startsWith('/app')) return;
    if (/\.[a-z0-9]+$/i.test(a.pathname)) return;
    ev.preventDefault();
    navigate(a.pathname + a.search);
  });
  window.addEventListener('popstate', render);
  window.addEventListener('govhub:route', render);
  render();
}
