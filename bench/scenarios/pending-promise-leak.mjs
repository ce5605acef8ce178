// Each request awaits a promise that is never settled, kept in a Set of waiters. Expected: leak.
const waiters = new Set();
let i = 0;
export const options = { rps: 1000, duration: '40s' };
export default function iteration() {
  const id = ++i;
  const p = new Promise((resolve) => waiters.add(resolve));
  p.then(() => id);
}
