/**
 * Control for promise-timeout-1.0.0-timer-never-cleared.mjs: since 1.1.0 the timer is cleared
 * when the promise settles, so nothing outlives the call.
 * Issue: https://github.com/building5/promise-timeout/issues/1. Version: promise-timeout@1.1.1 (fixed).
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/building5/promise-timeout/issues/1","library":"promise-timeout@1.1.1","control":true}
 */
import pt from 'promise-timeout-1-1-1';

const { timeout } = pt;
async function loadProfile(id) {
  return { id, name: `user-${id}`, bio: `about user ${id} `.repeat(16) };
}
let n = 0;
export const options = { rps: 300, duration: '15s' };
export default async function iteration() {
  const profile = await timeout(loadProfile(n++), 10 * 60_000);
  return profile.id;
}
