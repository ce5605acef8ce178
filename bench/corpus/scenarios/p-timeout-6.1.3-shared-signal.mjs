/**
 * Control for p-timeout-6.1.2-shared-signal.mjs: since 6.1.3 the `abort` listener is added with
 * `{once: true}` and removed when the promise settles, so nothing stays on the shared signal.
 * Issue: https://github.com/sindresorhus/p-timeout/issues/42. Version: p-timeout@6.1.3 (fixed).
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/sindresorhus/p-timeout/issues/42","library":"p-timeout@6.1.3","control":true}
 */
import pTimeout from 'p-timeout-6-1-3';

const shutdown = new AbortController();
async function loadProfile(id) {
  return { id, name: `user-${id}`, bio: `about user ${id} `.repeat(16) };
}
let n = 0;
export const options = { rps: 300, duration: '15s' };
export default async function iteration() {
  const profile = await pTimeout(loadProfile(n++), { milliseconds: 5_000, signal: shutdown.signal });
  return profile.id;
}
