/**
 * ajv@8: compiled validators are cached in a Map keyed by the schema *object* (v7 changed the key
 * from the serialized schema to the object itself), and the scope keeps every generated function.
 * Code that builds the schema object per call (`ajv.compile(getSchema())`) compiles again each time
 * and the Ajv instance keeps every compiled validator forever.
 * Issue: https://github.com/ajv-validator/ajv/issues/2134 (also #1413). Leaking version: ajv@8.17.1.
 * Control: ajv-6.12.6-compile-fresh-schema.mjs (v6 keys the cache by the serialized schema).
 * Expected: accumulation (a keyed cache of compiled functions that is never bounded), owner Ajv.
 *
 * @expect {"verdict":"accumulation","owner":["Ajv"],"kind":"script","rps":100,"duration":"15s","issue":"https://github.com/ajv-validator/ajv/issues/2134","library":"ajv@8.17.1","control":false}
 */
import Ajv from 'ajv-8';

const ajv = new Ajv({ allErrors: true });
const getSchema = () => ({
  type: 'object',
  required: ['id', 'email'],
  properties: { id: { type: 'integer' }, email: { type: 'string', maxLength: 200 }, tags: { type: 'array', items: { type: 'string' } } },
});
let i = 0;
export const options = { rps: 100, duration: '15s' };
export default function iteration() {
  i++;
  const validate = ajv.compile(getSchema());
  validate({ id: i, email: `user${i}@example.com`, tags: ['a'] });
}
