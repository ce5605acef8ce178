/**
 * Control for generic-pool-3.9.0-never-released.mjs: every acquired resource is released in a
 * `finally`, so the wait queue stays short.
 * Issue: https://github.com/coopernurse/node-pool/issues/108. Library: generic-pool@3.9.0.
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/coopernurse/node-pool/issues/108","library":"generic-pool@3.9.0","control":true}
 */
import genericPool from 'generic-pool';

let made = 0;
const pool = genericPool.createPool({ create: async () => ({ id: ++made, query: (q) => q.length }), destroy: async () => {} }, { max: 4 });
let i = 0;
export const options = { rps: 300, duration: '15s' };
export default async function iteration() {
  const id = ++i;
  const conn = await pool.acquire();
  try {
    conn.query(`select * from orders where id = ${id}`);
  } finally {
    await pool.release(conn);
  }
}
