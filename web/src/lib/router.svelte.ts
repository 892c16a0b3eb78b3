// History-API routing: one reactive location, `navigate()` to move, links intercepted in App.

class Location {
  path = $state(window.location.pathname);
  search = $state(window.location.search);
}

export const location = new Location();

function sync(): void {
  location.path = window.location.pathname;
  location.search = window.location.search;
}

window.addEventListener('popstate', sync);

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = new URL(to, window.location.origin);
  const target = url.pathname + url.search + url.hash;
  if (target === window.location.pathname + window.location.search + window.location.hash) return;
  if (options.replace) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  sync();
  window.scrollTo(0, 0);
}

/** Follows same-origin `<a href>` clicks without a page load. */
export function interceptLinks(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.target as Element | null)?.closest?.('a');
  if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
  const href = anchor.getAttribute('href');
  if (!href || href.startsWith('#')) return;
  const url = new URL(anchor.href, window.location.href);
  if (url.origin !== window.location.origin || url.pathname.startsWith('/api/')) return;
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
}

export type Route =
  | { name: 'join' }
  | { name: 'play' }
  | { name: 'host' }
  | { name: 'quiz-new' }
  | { name: 'quiz-edit'; id: string }
  | { name: 'host-game'; id: string }
  | { name: 'results'; id: string }
  | { name: 'game-report'; id: string }
  | { name: 'quiz-report'; id: string }
  | { name: 'not-found' };

export function match(path: string): Route {
  const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
  if (p === '/') return { name: 'join' };
  if (p === '/play') return { name: 'play' };
  if (p === '/host') return { name: 'host' };
  if (p === '/host/quiz/new') return { name: 'quiz-new' };
  let m = /^\/host\/quiz\/([^/]+)$/.exec(p);
  if (m?.[1]) return { name: 'quiz-edit', id: decodeURIComponent(m[1]) };
  m = /^\/host\/game\/([^/]+)$/.exec(p);
  if (m?.[1]) return { name: 'host-game', id: decodeURIComponent(m[1]) };
  m = /^\/host\/results\/([^/]+)\/report$/.exec(p);
  if (m?.[1]) return { name: 'game-report', id: decodeURIComponent(m[1]) };
  m = /^\/host\/quiz\/([^/]+)\/report$/.exec(p);
  if (m?.[1]) return { name: 'quiz-report', id: decodeURIComponent(m[1]) };
  m = /^\/host\/results\/([^/]+)$/.exec(p);
  if (m?.[1]) return { name: 'results', id: decodeURIComponent(m[1]) };
  return { name: 'not-found' };
}
