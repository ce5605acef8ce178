/**
 * Control for node-schedule-1.3.2-one-off-jobs.mjs: node-schedule@2.1.1 removes a one-off job from
 * `scheduledJobs` once it has run (https://github.com/node-schedule/node-schedule/pull/581).
 * Fixed version: node-schedule@2.1.1.
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/node-schedule/node-schedule/pull/581","library":"node-schedule@2.1.1","control":true}
 */
import schedule from 'node-schedule-2';

let i = 0;
export const options = { rps: 300, duration: '15s' };
export default function iteration() {
  const order = { id: ++i };
  schedule.scheduleJob(new Date(Date.now() + 50), () => {
    order.followedUp = true;
  });
}
