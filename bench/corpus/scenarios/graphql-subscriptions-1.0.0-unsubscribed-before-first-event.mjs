/**
 * graphql-subscriptions@1.0.0: `pubsub.asyncIterator(topic)` adds its `pushValue` listener to the
 * PubSub's EventEmitter when it is created, and removes it only in `return()`; a subscription the
 * client ends before the first event never had its iterator started, so `return()` is never
 * called and the listener (with its pull and push queues) stays on `pubsub.ee` for good. Reporter:
 * "if you disconnect or unsubscribe from a subscription before it pushes a value, the underlying
 * pub-sub will never clean itself up"; fixed in 1.1.0 by subscribing on the first `next()` (PR #148).
 * Issue: https://github.com/apollographql/graphql-subscriptions/issues/143. Version: graphql-subscriptions@1.0.0
 * (control: graphql-subscriptions-1.1.0-unsubscribed-before-first-event.mjs).
 * Expected: leak (a listener per finished subscription), owner the PubSub / its EventEmitter.
 *
 * @expect {"verdict":"leak","owner":["PubSub","EventEmitter"],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/apollographql/graphql-subscriptions/issues/143","library":"graphql-subscriptions@1.0.0","control":false}
 */
import gs from 'graphql-subscriptions-1-0-0';

const { PubSub } = gs;
const pubsub = new PubSub();
// A subscription resolver that maps the source iterator, as GraphQL servers do.
async function* orderUpdates(source) {
  for await (const event of source) yield { ...event, seenAt: Date.now() };
}
export const options = { rps: 300, duration: '15s' };
export default async function iteration() {
  const subscription = orderUpdates(pubsub.asyncIterator('ORDER_UPDATED'));
  // The client goes away before the first event: the generator never started.
  await subscription.return();
}
