/**
 * eventemitter3@5.0.4: a handler subscribed per request on a long-lived bus and never
 * unsubscribed. eventemitter3 "does not impose any limits" (no MaxListenersExceededWarning), so the
 * listener list grows silently. (From bench/scenarios/ee3-listener-leak.mjs.)
 * Issue: https://github.com/primus/eventemitter3/issues/73. Version: eventemitter3@5.0.4.
 * Expected: leak (listeners for finished work, closing over the request context), owner EventEmitter.
 *
 * @expect {"verdict":"leak","owner":["EventEmitter","Events"],"kind":"script","rps":400,"duration":"15s","issue":"https://github.com/primus/eventemitter3/issues/73","library":"eventemitter3@5.0.4","control":false}
 */
import EventEmitter from 'eventemitter3';

const bus = new EventEmitter();
let i = 0;
export const options = { rps: 400, duration: '15s' };
export default function iteration() {
  const ctx = { id: ++i, startedAt: Date.now() };
  bus.on('config-changed', () => {
    ctx.stale = true;
  });
}
