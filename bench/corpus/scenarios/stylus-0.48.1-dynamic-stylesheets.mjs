/**
 * stylus@0.48.1: every `stylus.render(str)` goes through the Parser, which keeps the parsed AST
 * (a cloned Root block) in the process-wide default MemoryCache (`Parser.cache._cache`, a plain object
 * keyed by sha1(source + prefix)) with no eviction. Rendering per-tenant themes generated at request
 * time (here: brand colour and radius in the source) adds one cached AST per distinct stylesheet.
 * Issue: https://github.com/stylus/stylus/issues/1682 ("Default memory cache grows unbounded in size";
 * fixed in 0.49.0 by commit 4c112c8a, an LRU capped by the `cache limit` option, default 256).
 * Version: stylus@0.48.1. Control: stylus-0.48.1-bounded-themes.mjs (the same version fed 40 fixed
 * themes; see there why not 0.49.0).
 * Expected: accumulation (parsed stylesheets cached by source, unbounded), owner the MemoryCache.
 * V8 names that instance `module.exports`: lib/cache/memory.js defines the class as
 * `var MemoryCache = module.exports = function() {...}`, and the constructor's inferred name
 * is the assignment's target (owner list revised after the first run to include it; the owner's
 * location is lib/cache/memory.js).
 *
 * @expect {"verdict":"accumulation","owner":["MemoryCache","module.exports","Object (_cache)","Parser"],"kind":"script","rps":100,"duration":"15s","issue":"https://github.com/stylus/stylus/issues/1682","library":"stylus@0.48.1","control":false}
 */
import stylus from 'stylus-0-48';

let i = 0;
export const options = { rps: 100, duration: '15s' };
export default function iteration() {
  i++;
  const brand = (i * 2654435761 % 0xffffff).toString(16).padStart(6, '0');
  const src = `$brand = #${brand}\n$radius = ${2 + (i % 9)}px\n.tenant-${i}\n  .btn\n    color white\n    background $brand\n    border-radius $radius\n    &:hover\n      background darken($brand, 10%)\n  .card\n    border 1px solid lighten($brand, 40%)\n`;
  return stylus.render(src).length;
}
