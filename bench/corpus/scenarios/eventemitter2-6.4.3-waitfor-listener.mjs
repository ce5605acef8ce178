/**
 * Control for eventemitter2-6.4.2-waitfor-listener.mjs: 6.4.3 removes the `waitFor` listener when
 * the event arrives ("waitFor listeners leakage issue (#262)" in its changelog) and deletes an
 * event's entry once its last listener is gone.
 * Issue: https://github.com/EventEmitter2/EventEmitter2/issues/262. Version: eventemitter2@6.4.3 (fixed).
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/EventEmitter2/EventEmitter2/issues/262","library":"eventemitter2@6.4.3","control":true}
 */
import EventEmitter2 from 'eventemitter2-6-4-3';

const bus = new EventEmitter2();
let n = 0;
export const options = { rps: 300, duration: '15s' };
export default async function iteration() {
  const id = n++;
  const done = bus.waitFor(`job.${id}.done`);
  bus.emit(`job.${id}.done`, { id, ok: true });
  await done;
}
