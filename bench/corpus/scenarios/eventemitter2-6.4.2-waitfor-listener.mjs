/**
 * eventemitter2@6.4.2: `emitter.waitFor(event)` registers a listener and removes it only when the
 * wait is cancelled or times out, never when the event arrives and the promise resolves; every
 * completed wait leaves its listener (and the promise machinery it closes over) in `_events`.
 * Reporter: "It does not clear the listener when `waitFor` has been resolved"; maintainer: "Thanks
 * for reporting! Fixed. Will be released in 6.4.3 patch."
 * Issue: https://github.com/EventEmitter2/EventEmitter2/issues/262. Version: eventemitter2@6.4.2
 * (control: eventemitter2-6.4.3-waitfor-listener.mjs).
 * Expected: leak (listeners of finished waits), owner the emitter (EventEmitter2's constructor is `EventEmitter`).
 *
 * @expect {"verdict":"leak","owner":["EventEmitter","EventEmitter2"],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/EventEmitter2/EventEmitter2/issues/262","library":"eventemitter2@6.4.2","control":false}
 */
import EventEmitter2 from 'eventemitter2-6-4-2';

const bus = new EventEmitter2();
let n = 0;
export const options = { rps: 300, duration: '15s' };
export default async function iteration() {
  const id = n++;
  // Wait for this job's completion event, which arrives at once.
  const done = bus.waitFor(`job.${id}.done`);
  bus.emit(`job.${id}.done`, { id, ok: true });
  await done;
}
