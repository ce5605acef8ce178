/**
 * dataloader@2.2.2 created without a `cacheKeyFn` and fed request *objects* as keys: the cache Map
 * compares keys by reference, so identical requests never match and every key object, with its
 * settled promise, stays for the loader's lifetime. graphql-tools' batching executor did exactly
 * this with a long-lived loader: "this cache grows without bounds".
 * Issue: https://github.com/graphql-hive/gateway/issues/1085. Version: dataloader@2.2.2.
 * Expected: accumulation (settled promises in a keyed cache), owner DataLoader.
 *
 * @expect {"verdict":"accumulation","owner":["DataLoader","Map (_cacheMap)"],"kind":"script","rps":400,"duration":"15s","issue":"https://github.com/graphql-hive/gateway/issues/1085","library":"dataloader@2.2.2","control":false}
 */
import DataLoader from 'dataloader';

const executor = new DataLoader(async (requests) => requests.map((r) => ({ data: { user: { id: r.variables.id } } })));
let i = 0;
export const options = { rps: 400, duration: '15s' };
export default async function iteration() {
  i++;
  const result = await executor.load({ document: 'query($id: ID!) { user(id: $id) { id } }', variables: { id: `u${i % 100}` } });
  return result.data.user.id.length;
}
