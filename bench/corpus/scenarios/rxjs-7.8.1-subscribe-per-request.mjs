/**
 * rxjs@7.8.1: every `subject.subscribe()` adds a Subscriber to the Subject's `observers` (and
 * `currentObservers`) until it is unsubscribed or the subject completes. Subscribing per request to a
 * long-lived Subject and never unsubscribing keeps each request's subscriber and closure; the
 * maintainers' answer: "you should manage subscription to unsubscribe to allow gc collects it".
 * Issue: https://github.com/ReactiveX/rxjs/issues/2683. Version: rxjs@7.8.1.
 * Control: rxjs-7.8.1-take-one.mjs.
 * Expected: leak (subscribers/closures of finished requests), owner Subject.
 *
 * @expect {"verdict":"leak","owner":["Subject","BehaviorSubject","Array (observers)","Array (currentObservers)"],"kind":"script","rps":400,"duration":"15s","issue":"https://github.com/ReactiveX/rxjs/issues/2683","library":"rxjs@7.8.1","control":false}
 */
import { BehaviorSubject } from 'rxjs';

const config$ = new BehaviorSubject({ currency: 'EUR', locale: 'fr' });
let i = 0;
export const options = { rps: 400, duration: '15s' };
export default function iteration() {
  const request = { id: ++i, currency: 'EUR' };
  config$.subscribe((config) => {
    request.currency = config.currency;
  });
  return request.currency;
}
