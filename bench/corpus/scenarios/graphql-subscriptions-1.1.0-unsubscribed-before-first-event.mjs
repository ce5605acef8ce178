/**
 * Control for graphql-subscriptions-1.0.0-unsubscribed-before-first-event.mjs: since 1.1.0 an
 * async iterator subscribes to the PubSub on its first `next()` (PR #148, "wait to add listeners
 * until first call to next()"), so a subscription ended before any event leaves nothing behind.
 * Issue: https://github.com/apollographql/graphql-subscriptions/issues/143. Version: graphql-subscriptions@1.1.0 (fixed).
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/apollographql/graphql-subscriptions/issues/143","library":"graphql-subscriptions@1.1.0","control":true}
 */
import gs from 'graphql-subscriptions-1-1-0';

const { PubSub } = gs;
const pubsub = new PubSub();
async function* orderUpdates(source) {
  for await (const event of source) yield { ...event, seenAt: Date.now() };
}
export const options = { rps: 300, duration: '15s' };
export default async function iteration() {
  const subscription = orderUpdates(pubsub.asyncIterator('ORDER_UPDATED'));
  await subscription.return();
}
