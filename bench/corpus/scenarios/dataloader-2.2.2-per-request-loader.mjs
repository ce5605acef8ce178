/**
 * Control for dataloader-2.2.2-shared-loader.mjs: a DataLoader per request, as DataLoader's README
 * prescribes, so its cache goes with the request.
 * Issue: https://github.com/OpenCTI-Platform/opencti/issues/2878. Library: dataloader@2.2.2.
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":400,"duration":"15s","issue":"https://github.com/OpenCTI-Platform/opencti/issues/2878","library":"dataloader@2.2.2","control":true}
 */
import DataLoader from 'dataloader';

const batchUsers = async (ids) => ids.map((id) => ({ id, name: `user ${id}`, email: `${id}@example.com` }));
let i = 0;
export const options = { rps: 400, duration: '15s' };
export default async function iteration() {
  i++;
  const users = new DataLoader(batchUsers);
  const [author, reviewer] = await Promise.all([users.load(`u${i}`), users.load(`u${i}-r`)]);
  return author.name.length + reviewer.name.length;
}
