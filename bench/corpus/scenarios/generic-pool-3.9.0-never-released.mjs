/**
 * generic-pool@3.9.0: `pool.acquire()` queues a pending request (a promise and its resolvers) in the
 * pool's wait queue until a resource is free. A code path that forgets `pool.release()` (here, an
 * early return), as in the reports, exhausts the pool; from then on every caller's request waits
 * in the queue forever, long after the client it served has gone.
 * Issue: https://github.com/coopernurse/node-pool/issues/108 ("waitingClients grows w/o bounds").
 * Version: generic-pool@3.9.0. Control: generic-pool-3.9.0-released.mjs.
 * Expected: leak (waiting callers: promises that never settle), owner Pool.
 *
 * @expect {"verdict":"leak","owner":["Pool","PriorityQueue","Queue","DoublyLinkedList"],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/coopernurse/node-pool/issues/108","library":"generic-pool@3.9.0","control":false}
 */
import genericPool from 'generic-pool';

let made = 0;
const pool = genericPool.createPool({ create: async () => ({ id: ++made, query: (q) => q.length }), destroy: async () => {} }, { max: 4 });
let i = 0;
export const options = { rps: 300, duration: '15s' };
export default function iteration() {
  const id = ++i;
  // Not awaited by the caller's request (it has its own timeout and gives up); the acquisition stays queued.
  pool.acquire().then((conn) => {
    if (id % 2 === 0) return; // bug: this path never releases
    conn.query(`select * from orders where id = ${id}`);
    pool.release(conn);
  });
}
