/**
 * Control for stylus-0.48.1-dynamic-stylesheets.mjs: the same stylus@0.48.1 and its default,
 * unbounded MemoryCache, fed a bounded set of stylesheets: 40 tenants, each with a fixed theme, so
 * the cache holds 40 parsed ASTs after the first requests and every later render is a cache hit.
 * (Not used as the control: the 0.49.0 fix, an LRU capped at `cache limit` = 256, whose purge sets
 * `_cache[key] = null` instead of deleting it, so a 40-char key per stylesheet still stays, about
 * 75 B per request; nor `cache: false`, which re-parses the built-in functions on every render.)
 * Issue: https://github.com/stylus/stylus/issues/1682. Version: stylus@0.48.1 (bounded keys).
 * Expected: no finding.
 *
 * @expect {"verdict":"none","owner":[],"kind":"script","rps":300,"duration":"15s","issue":"https://github.com/stylus/stylus/issues/1682","library":"stylus@0.48.1","control":true}
 */
import stylus from 'stylus-0-48';

function renderTheme(t) {
  const brand = (t * 2654435761 % 0xffffff).toString(16).padStart(6, '0');
  const src = `$brand = #${brand}\n$radius = ${2 + (t % 9)}px\n.tenant-${t}\n  .btn\n    color white\n    background $brand\n    border-radius $radius\n    &:hover\n      background darken($brand, 10%)\n  .card\n    border 1px solid lighten($brand, 40%)\n`;
  return stylus.render(src).length;
}
let i = 0;
export const options = { rps: 300, duration: '15s' };
export default function iteration() {
  i++;
  return renderTheme(i % 40);
}
