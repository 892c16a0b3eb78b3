// The local clock the countdowns tick on: the server sends how long is left when a state arrives
// (`remaining_ms`, `opens_in_ms`); screens count down from that moment on their own.

/** `performance.now()`, updated every `everyMs` while the component that created it is mounted and
 *  `running()` holds (a clock that has nothing left to count stops ticking). */
export function localClock(everyMs = 200, running: () => boolean = () => true): { readonly now: number } {
  let now = $state(performance.now());
  $effect(() => {
    if (!running()) return;
    const timer = setInterval(() => (now = performance.now()), everyMs);
    return () => clearInterval(timer);
  });
  return {
    get now() {
      return now;
    },
  };
}

/** Whole seconds left of `remainingMs` counted from `since`; `since` may lie ahead (the "get ready"
 *  countdown), and until then the full time shows. */
export function secondsLeft(remainingMs: number, since: number, now: number): number {
  return Math.ceil(Math.max(0, Math.min(remainingMs, remainingMs - (now - since))) / 1000);
}
