/**
 * node-schedule@1.3.2: every job, named or anonymous ('<Anonymous Job N>'), is registered in the
 * module's `scheduledJobs` object; a one-off (Date) job is not removed after it has run, so jobs
 * scheduled per request (a follow-up 50 ms later) pile up in the registry with their callbacks.
 * PR: https://github.com/node-schedule/node-schedule/pull/581 ("Avoid leaking memory on one-off
 * jobs", continues #478; released in 2.0.0). Leaking version: node-schedule@1.3.2.
 * Control: node-schedule-2.1.1-one-off-jobs.mjs.
 * Expected: leak (Job instances, EventEmitters, for work that is over), owner the `scheduledJobs`
 * registry (the Jobs are its contents, not the owner).
 *
 * @expect {"verdict":"leak","owner":["Object (scheduledJobs)","scheduledJobs"],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/node-schedule/node-schedule/pull/581","library":"node-schedule@1.3.2","control":false}
 */
import schedule from 'node-schedule-1';

let i = 0;
export const options = { rps: 300, duration: '15s' };
export default function iteration() {
  const order = { id: ++i };
  schedule.scheduleJob(new Date(Date.now() + 50), () => {
    order.followedUp = true;
  });
}
