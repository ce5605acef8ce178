/**
 * p-timeout@6.1.2: `pTimeout(promise, {milliseconds, signal})` adds an `abort` listener to the
 * caller's AbortSignal and never removes it when the promise settles (the timer is cleared, the
 * listener is not); with one long-lived signal (e.g. a service-wide shutdown controller) every
 * finished call leaves a closure that keeps its wrapped promise, its input promise and the result.
 * Reporter: "this listener is never removed"; fixed in 6.1.3 (listener added with `{once: true}`
 * and removed in `promise.finally`). Same bug in p-map (#75, fixed in 7.0.3).
 * Issue: https://github.com/sindresorhus/p-timeout/issues/42. Version: p-timeout@6.1.2
 * (control: p-timeout-6.1.3-shared-signal.mjs).
 * Expected: leak (abort listeners of finished calls), owner the shared AbortSignal.
 *
 * @expect {"verdict":"leak","owner":["AbortSignal","AbortController","EventTarget"],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/sindresorhus/p-timeout/issues/42","library":"p-timeout@6.1.2","control":false}
 */
import pTimeout from 'p-timeout-6-1-2';

// One controller for the whole service, aborted only on shutdown.
const shutdown = new AbortController();
// Fast work that completes at once.
async function loadProfile(id) {
  return { id, name: `user-${id}`, bio: `about user ${id} `.repeat(16) };
}
let n = 0;
export const options = { rps: 300, duration: '15s' };
export default async function iteration() {
  const profile = await pTimeout(loadProfile(n++), { milliseconds: 5_000, signal: shutdown.signal });
  return profile.id;
}
