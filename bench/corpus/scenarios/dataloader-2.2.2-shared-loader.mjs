/**
 * dataloader@2.2.2 used as a process-wide loader: DataLoader memoizes every key's *promise* in its
 * cache Map forever (its README: "DataLoader ... should be created per request"). A module-level
 * loader, as in the OpenCTI report, keeps the settled promise and its value for every id ever loaded.
 * Issue: https://github.com/OpenCTI-Platform/opencti/issues/2878 (also graphql/dataloader#200).
 * Version: dataloader@2.2.2 (by design; no fixed version). Control: dataloader-2.2.2-per-request-loader.mjs.
 * Expected: accumulation (settled promises in a keyed cache), owner DataLoader.
 *
 * @expect {"verdict":"accumulation","owner":["DataLoader","Map (_cacheMap)"],"kind":"script","rps":400,"duration":"15s","issue":"https://github.com/OpenCTI-Platform/opencti/issues/2878","library":"dataloader@2.2.2","control":false}
 */
import DataLoader from 'dataloader';

const users = new DataLoader(async (ids) => ids.map((id) => ({ id, name: `user ${id}`, email: `${id}@example.com` })));
let i = 0;
export const options = { rps: 400, duration: '15s' };
export default async function iteration() {
  i++;
  const [author, reviewer] = await Promise.all([users.load(`u${i}`), users.load(`u${i}-r`)]);
  return author.name.length + reviewer.name.length;
}
