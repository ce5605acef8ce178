/**
 * Which scripts of the target have source maps, from the inspector: enabling the `Debugger` domain
 * makes V8 report every script it has (`Debugger.scriptParsed`) with its `sourceMapURL`, the
 * `//# sourceMappingURL=` comment of the code V8 actually runs. That covers what no file on disk
 * says: tsx and other loaders that compile TypeScript in memory with an inline map, and bundles.
 * The maps are resolved later, when the report is made (`pipeline/source-maps.ts`).
 */
import type { InspectorClient } from './inspector-client.js';

/** Script URL → its source map URL (a `data:` URL, or one relative to the script). */
export type ScriptSourceMaps = Record<string, string>;

/**
 * Enables and disables the Debugger domain (as `prepareForSnapshot` does, which a snapshot run
 * already pays) and collects the scripts that name a source map.
 */
export async function collectScriptSourceMaps(client: InspectorClient): Promise<ScriptSourceMaps> {
  const maps: ScriptSourceMaps = {};
  const off = client.on('Debugger.scriptParsed', (params) => {
    const url = String(params.url ?? '');
    const map = String(params.sourceMapURL ?? '');
    if (url && map && !url.startsWith('node:')) maps[url] = map;
  });
  try {
    await client.send('Debugger.enable', {}, { timeoutMs: 60_000 });
  } finally {
    await client.send('Debugger.disable', {}, { timeoutMs: 60_000 }).catch(() => undefined);
    off();
  }
  return maps;
}
