/**
 * Control for typedi-0.10.0-scoped-container-reset.mjs: the same request scope released with the
 * static `Container.reset(requestId)`, which removes the scoped container from the registry.
 * Issue: https://github.com/typestack/typedi/issues/739. Version: typedi@0.10.0 (correct use).
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/typestack/typedi/issues/739","library":"typedi@0.10.0","control":true}
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
  Container.reset(requestId);
  return ctx.requestId;
}
