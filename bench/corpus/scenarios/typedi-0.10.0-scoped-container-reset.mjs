/**
 * typedi@0.10.0: `Container.of(requestId)` creates a scoped container and files it in the static
 * `instances` array of the Container class; only the static `Container.reset(requestId)` takes it
 * out. Calling `reset()` on the scoped container itself (what the reporter did at the end of each
 * request) only drops its values: the ContainerInstance, its services and its id stay registered.
 * Reporter: "At the end of the request I call `.reset()` on the scoped container ... when
 * profiling ... the container instances are still in memory".
 * Issue: https://github.com/typestack/typedi/issues/739. Version: typedi@0.10.0
 * (control: typedi-0.10.0-scoped-container-static-reset.mjs).
 * Expected: accumulation, leak accepted. The registry keeps track of every scoped container (a
 * later `Container.of(id)` finds it again) and grows by one per distinct id until the static
 * reset: unbounded accumulation by design, whose fix is to delete the entry when the request ends.
 * The reporter saw request scopes outliving their requests, a leak: either verdict points at the
 * registry. (First written as leak only; reclassified by these definitions after the first run
 * said accumulation. No rule was changed for it.)
 *
 * @expect {"verdict":"accumulation","accept":["leak"],"owner":["Container","ContainerInstance","Array (instances)","instances"],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/typestack/typedi/issues/739","library":"typedi@0.10.0","control":false}
 */
import typedi from 'typedi';

const { Container } = typedi;
let n = 0;
export const options = { rps: 300, duration: '15s' };
export default function iteration() {
  const requestId = `req-${n++}`;
  const scoped = Container.of(requestId);
  scoped.set('ctx', { requestId, user: `u${n % 500}`, startedAt: Date.now() });
  const ctx = scoped.get('ctx');
  scoped.reset();
  return ctx.requestId;
}
