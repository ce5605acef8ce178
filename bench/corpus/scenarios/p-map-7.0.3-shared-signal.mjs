/**
 * Control for p-map-7.0.2-shared-signal.mjs: since 7.0.3 the `abort` listener is added with
 * `{once: true}` and removed when the mapping resolves or rejects, so nothing stays on the shared signal.
 * Issue: https://github.com/sindresorhus/p-map/issues/75. Version: p-map@7.0.3 (fixed).
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":200,"duration":"15s","issue":"https://github.com/sindresorhus/p-map/issues/75","library":"p-map@7.0.3","control":true}
 */
import pMap from 'p-map-7-0-3';

const shutdown = new AbortController();
async function loadItem(id) {
  return { id, title: `item-${id}`, tags: ['a', 'b', 'c'] };
}
let n = 0;
export const options = { rps: 200, duration: '15s' };
export default async function iteration() {
  const base = (n++) * 8;
  const ids = Array.from({ length: 8 }, (_, i) => base + i);
  const items = await pMap(ids, loadItem, { concurrency: 4, signal: shutdown.signal });
  return items.length;
}
