/**
 * keyv@4.0.0 on its default Map store: entries set with a TTL are only removed when they are read
 * again after expiry (and until the fix of #107 that delete used a doubly-prefixed key, so not even
 * then). The reporter's response cache keyed by URL with query parameters (`?campaign=N`) is never
 * read twice for most keys, so the Map keeps every full HTML response; the reporter notes that even
 * with the fix, "the deletion will only happen the next time a get happens with the exact same key".
 * Issue: https://github.com/jaredwray/keyv/issues/108 (via Kikobeats/cacheable-response#49). Version: keyv@4.0.0.
 * Expected: accumulation (cache entries keyed by input, never evicted), owner Keyv / its Map store.
 *
 * @expect {"verdict":"accumulation","owner":["Keyv","Map (store)","/^Map \\(.*\\)$/"],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/jaredwray/keyv/issues/108","library":"keyv@4.0.0","control":false}
 */
import Keyv from 'keyv-4-0-0';

const responses = new Keyv({ namespace: 'ssr', ttl: 100 });
let i = 0;
export const options = { rps: 300, duration: '15s' };
export default async function iteration() {
  i++;
  const url = `/landing?campaign=${i}`;
  const hit = await responses.get(url);
  if (hit) return hit.length;
  const html = `<html><body><h1>Campaign ${i}</h1><p>${'offer '.repeat(20)}</p></body></html>`;
  await responses.set(url, html);
  return html.length;
}
