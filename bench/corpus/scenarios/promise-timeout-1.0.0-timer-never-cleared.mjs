/**
 * promise-timeout@1.0.0: `timeout(promise, ms)` races the promise against a `setTimeout` that it
 * never clears, so after the work settles the timer keeps the race (and the result) alive until it
 * fires: with a generous 10-minute guard every finished call stays in memory for 10 minutes.
 * Reporter: "The timeout should be cleared when the given promise resolves or rejects"; maintainer
 * (after first calling it harmless): "Fixed in v1.1.0". Same pattern: bluebird's `.timeout()` (#371).
 * Issue: https://github.com/building5/promise-timeout/issues/1. Version: promise-timeout@1.0.0
 * (control: promise-timeout-1.1.1-timer-never-cleared.mjs; 1.1.0 itself was not published).
 * Expected: leak (timers of finished work), owner the timer list / Timeout.
 *
 * @expect {"verdict":"leak","owner":["Timeout","TimersList","timeout"],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/building5/promise-timeout/issues/1","library":"promise-timeout@1.0.0","control":false}
 */
import pt from 'promise-timeout-1-0-0';

const { timeout } = pt;
// Fast work that completes at once.
async function loadProfile(id) {
  return { id, name: `user-${id}`, bio: `about user ${id} `.repeat(16) };
}
let n = 0;
export const options = { rps: 300, duration: '15s' };
export default async function iteration() {
  const profile = await timeout(loadProfile(n++), 10 * 60_000);
  return profile.id;
}
