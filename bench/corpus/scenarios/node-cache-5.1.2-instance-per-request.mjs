/**
 * node-cache@5.1.2: every NodeCache with a `checkperiod` arms a (unref'd) timeout that re-arms
 * itself to prune expired keys, and holds the instance until `close()`. An API wrapper that builds a
 * NodeCache per access token / per request and drops it, as in the report, leaves each instance on
 * the timer list forever: "the internal node-cache might be using setInterval, and never cleans these up".
 * Issue: https://github.com/lhkbob/eve-swagger-js/issues/48 (and node-cache/node-cache#116). Version: node-cache@5.1.2.
 * Control: node-cache-5.1.2-closed-instances.mjs.
 * Expected: leak (timers of finished work holding their cache), owner Timeout / NodeCache.
 *
 * @expect {"verdict":"leak","owner":["NodeCache","Timeout"],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/lhkbob/eve-swagger-js/issues/48","library":"node-cache@5.1.2","control":false}
 */
import NodeCache from 'node-cache';

let i = 0;
export const options = { rps: 300, duration: '15s' };
export default function iteration() {
  i++;
  const tokenCache = new NodeCache({ stdTTL: 30, checkperiod: 60 });
  tokenCache.set('character', { id: i, name: `pilot ${i}` });
  return tokenCache.get('character').id;
}
