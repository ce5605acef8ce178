/**
 * Control for rxjs-7.8.1-subscribe-per-request.mjs: the same per-request read of the config, with
 * `take(1)` so that the subscription completes and is removed from the subject.
 * Issue: https://github.com/ReactiveX/rxjs/issues/2683. Library: rxjs@7.8.1.
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":400,"duration":"15s","issue":"https://github.com/ReactiveX/rxjs/issues/2683","library":"rxjs@7.8.1","control":true}
 */
import { BehaviorSubject, take } from 'rxjs';

const config$ = new BehaviorSubject({ currency: 'EUR', locale: 'fr' });
let i = 0;
export const options = { rps: 400, duration: '15s' };
export default function iteration() {
  const request = { id: ++i, currency: 'EUR' };
  config$.pipe(take(1)).subscribe((config) => {
    request.currency = config.currency;
  });
  return request.currency;
}
