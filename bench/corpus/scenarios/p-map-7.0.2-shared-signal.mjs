/**
 * p-map@7.0.2: `pMap(items, mapper, {signal})` adds an `abort` listener to the caller's AbortSignal
 * and never removes it when the mapping finishes; the listener's closure shares the executor's scope,
 * so with one long-lived signal (e.g. a service-wide shutdown controller) every finished call keeps
 * its input, its iterator, its mapper and the whole result array alive for as long as the signal lives.
 * Reporter: "you subscribe to the AbortSignal event but do not unsubscribe from it, which causes the
 * memory leak"; maintainer: "We know when `p-map` finishes, so we can just put a cleanup handler
 * after it's done." Fixed in 7.0.3 (listener removed on resolve and reject). Same bug: p-timeout #42.
 * Issue: https://github.com/sindresorhus/p-map/issues/75. Version: p-map@7.0.2
 * (control: p-map-7.0.3-shared-signal.mjs).
 * Expected: leak (abort listeners of finished calls), owner the shared AbortSignal.
 *
 * @expect {"verdict":"leak","owner":["AbortSignal","AbortController","EventTarget"],"kind":"script","rps":200,"duration":"15s","issue":"https://github.com/sindresorhus/p-map/issues/75","library":"p-map@7.0.2","control":false}
 */
import pMap from 'p-map-7-0-2';

// One controller for the whole service, aborted only on shutdown.
const shutdown = new AbortController();
// Fast per-item work that completes at once.
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
