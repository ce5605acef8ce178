/**
 * node-cron@3.0.3: `cron.schedule()` stores every ScheduledTask (`class ScheduledTask extends
 * EventEmitter`) in `global.scheduledTasks`, a Map keyed by a uuid, and `task.stop()` (3.x has no
 * `destroy()`) never removes it. A reminder scheduled per request and stopped when the request
 * completes, as in the report's restartCron(), leaves every task in the map.
 * Issue: https://github.com/node-cron/node-cron/issues/348. Leaking version: node-cron@3.0.3.
 * Control: node-cron-4.2.1-destroyed-tasks.mjs (4.x: `destroy()` removes the task from its registry).
 * Expected: leak (scheduled tasks for finished work), owner the `scheduledTasks` Map.
 *
 * @expect {"verdict":"leak","owner":["Map (scheduledTasks)","scheduledTasks"],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/node-cron/node-cron/issues/348","library":"node-cron@3.0.3","control":false}
 */
import cron from 'node-cron-3';

let i = 0;
export const options = { rps: 300, duration: '15s' };
export default function iteration() {
  i++;
  const order = { id: i, placedAt: Date.now() };
  const reminder = cron.schedule('0 9 * * *', () => console.log('order still open', order.id));
  // ... the request completes; the reminder is no longer needed:
  reminder.stop();
}
