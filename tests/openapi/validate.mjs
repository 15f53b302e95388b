// validate.mjs - checks assets/openapi.json (or the file named as argument)
// with swagger-parser, a standard OpenAPI validator: the document must be
// valid OpenAPI 3 (schema and $refs), and must describe the routes pasted
// serves. Prints one line per check and a last line "N passed, N failed".
import SwaggerParser from '@apidevtools/swagger-parser';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const file = process.argv[2] || path.join(here, '..', '..', 'assets', 'openapi.json');
let passed = 0;
let failed = 0;

async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e && e.message ? e.message : e}`);
  }
}

function load() {
  return JSON.parse(readFileSync(file, 'utf8'));
}

await check('parses as JSON', () => { load(); });
await check('is valid OpenAPI 3 (swagger-parser validate)', async () => {
  const api = await SwaggerParser.validate(load());
  if (!String(api.openapi).startsWith('3.')) throw new Error(`openapi is ${api.openapi}`);
});
await check('describes the API routes', async () => {
  const api = await SwaggerParser.dereference(load());
  const want = [
    ['/api/pastes', 'post', ['201', '400', '413', '415']],
    ['/api/pastes/{id}', 'get', ['200', '404']],
    ['/api/pastes/{id}', 'delete', ['204', '403', '404']],
    ['/api/pastes/{id}/stats', 'get', ['200', '404']],
    ['/raw/{id}', 'get', ['200', '206', '304', '416']],
    ['/api/openapi.json', 'get', ['200']],
  ];
  for (const [p, m, codes] of want) {
    const op = api.paths[p] && api.paths[p][m];
    if (!op) throw new Error(`no ${m.toUpperCase()} ${p}`);
    for (const c of codes)
      if (!op.responses[c]) throw new Error(`${m.toUpperCase()} ${p} lacks response ${c}`);
  }
  const created = api.paths['/api/pastes'].post.responses['201'].content['application/json'].schema;
  for (const k of ['id', 'url', 'raw_url', 'delete_token', 'expires'])
    if (!created.required.includes(k)) throw new Error(`201 body does not require ${k}`);
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
