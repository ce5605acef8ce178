/**
 * Control for node-cron-3.0.3-stopped-tasks.mjs: node-cron@4.2.1, where `task.destroy()` removes the
 * task from the library's TaskRegistry, the fix the report asked for.
 * Issue: https://github.com/node-cron/node-cron/issues/348. Fixed version: node-cron@4.2.1.
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/node-cron/node-cron/issues/348","library":"node-cron@4.2.1","control":true}
 */
import cron from 'node-cron-4';

let i = 0;
export const options = { rps: 300, duration: '15s' };
export default function iteration() {
  i++;
  const order = { id: i, placedAt: Date.now() };
  const reminder = cron.schedule('0 9 * * *', () => console.log('order still open', order.id));
  reminder.destroy();
}
