/**
 * HTTP edge cases against a real `vv serve`: NUL bytes in queries, unknown methods, the whole
 * loopback range, cross-origin state changes (CSRF from a web page), and the auth scheme's case.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeGenerated } from './support/library.js';
import { tempDir } from './support/fixtures.js';
import { getJson, serve, waitFor, type ServerHandle } from './support/cli.js';

let root: string;
let server: ServerHandle;
const COUNT = 3;

/** A raw request (fetch refuses TRACE and sets its own Origin rules). */
function raw(url: string, method: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode!, headers: res.headers, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const json = (body: unknown) => ({ 'content-type': 'application/json', body: JSON.stringify(body) });

async function ready(s: ServerHandle, base = s.url): Promise<void> {
  await waitFor(async () => {
    const { body } = await getJson(`${base}/api/status`);
    return body?.scan?.stats && !body.scan.running && body.counts.images === COUNT;
  }, 60_000);
}

beforeAll(async () => {
  root = tempDir('vv-http-lib-');
  await writeGenerated(root, COUNT);
  server = await serve([root, '--data', tempDir('vv-http-data-'), '--workers', '0', '--no-watch']);
  await ready(server);
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

describe('NUL bytes in queries', () => {
  it('answers 400 with the error shape for search, batch and export queries', async () => {
    for (const p of ['/api/search?q=cat%00dog', '/api/images?tags=a%00b', '/api/search?q=cat&model=x%00y']) {
      const res = await getJson(`${server.url}${p}`);
      expect(res, p).toMatchObject({ status: 400, body: { error: { code: 'invalid_input' } } });
    }
    for (const route of ['/api/batch', '/api/export']) {
      const { 'content-type': ct, body } = json({ query: 'q=cat%00dog', tags: { add: ['x'] }, metadata: 'none' });
      const res = await raw(`${server.url}${route}`, 'POST', { 'content-type': ct }, body);
      expect(res, route).toMatchObject({ status: 400, body: { error: { code: 'invalid_input' } } });
    }
    expect((await getJson(`${server.url}/api/images?tags=x`)).body.total).toBe(0);
  });
});

describe('methods', () => {
  it('answers unknown methods with 501 and known paths with a wrong method with 405 and Allow', async () => {
    for (const method of ['TRACE', 'PROPFIND', 'MKCOL', 'PURGE']) {
      const res = await raw(`${server.url}/api/images`, method);
      expect(res.status, method).toBe(501);
      expect(res.body.error.code, method).toBe('not_implemented');
    }
    const wrong = await raw(`${server.url}/api/status`, 'DELETE');
    expect(wrong.status).toBe(405);
    expect(wrong.body.error.code).toBe('method_not_allowed');
    expect(wrong.headers.allow).toMatch(/GET/);
  });
});

describe('cross-origin requests', () => {
  it('refuses state-changing requests from a foreign origin or a cross-site fetch, and keeps same-origin and non-browser clients working', async () => {
    const { body } = await getJson(`${server.url}/api/images?limit=1`);
    const id = body.items[0].id;
    const patch = JSON.stringify({ favorite: true });
    // The classic CSRF: a simple (no preflight) text/plain POST from another site.
    const csrf = await raw(`${server.url}/api/scan`, 'POST', { 'content-type': 'text/plain', origin: 'http://evil.example' }, '{}');
    expect(csrf).toMatchObject({ status: 403, body: { error: { code: 'forbidden_origin' } } });
    const foreign = await raw(`${server.url}/api/image/${id}`, 'PATCH', { 'content-type': 'application/json', origin: 'http://evil.example' }, patch);
    expect(foreign.status).toBe(403);
    const nullOrigin = await raw(`${server.url}/api/image/${id}`, 'PATCH', { 'content-type': 'application/json', origin: 'null' }, patch);
    expect(nullOrigin.status).toBe(403);
    const otherPort = await raw(`${server.url}/api/image/${id}`, 'PATCH', { 'content-type': 'application/json', origin: 'http://127.0.0.1:1' }, patch);
    expect(otherPort.status).toBe(403);
    const crossSite = await raw(`${server.url}/api/image/${id}`, 'PATCH', { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, patch);
    expect(crossSite.status).toBe(403);
    expect((await getJson(`${server.url}/api/image/${id}`)).body.favorite).toBe(false);

    // Reads stay open; the gallery (same origin) and scripts (no Origin) can write.
    expect((await raw(`${server.url}/api/status`, 'GET', { origin: 'http://evil.example' })).status).toBe(200);
    const same = await raw(`${server.url}/api/image/${id}`, 'PATCH', { 'content-type': 'application/json', origin: server.url, 'sec-fetch-site': 'same-origin' }, patch);
    expect(same.status).toBe(200);
    expect(same.body.favorite).toBe(true);
    const script = await raw(`${server.url}/api/image/${id}`, 'PATCH', { 'content-type': 'application/json' }, JSON.stringify({ favorite: false }));
    expect(script.status).toBe(200);
    expect(script.body.favorite).toBe(false);
  });
});

describe('loopback and tokens', () => {
  it('serves the whole loopback range it accepts as loopback (127.0.0.2), still refusing foreign Host names', async () => {
    const other = await serve([root, '--data', tempDir(), '--host', '127.0.0.2', '--no-watch', '--workers', '0']);
    try {
      expect(other.url).toContain('127.0.0.2');
      await ready(other);
      expect((await getJson(`${other.url}/api/images?limit=1`)).status).toBe(200);
      const rebinding = await raw(`${other.url}/api/images?limit=1`, 'GET', { host: 'evil.example' });
      expect(rebinding).toMatchObject({ status: 403, body: { error: { code: 'forbidden_host' } } });
    } finally {
      await other.stop();
    }
  });

  it('matches the Bearer scheme case-insensitively (RFC 7235)', async () => {
    const secured = await serve([root, '--data', tempDir(), '--token', 's3cret-token', '--no-watch', '--workers', '0']);
    try {
      for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
        expect((await getJson(`${secured.url}/api/images?limit=1`, { headers: { authorization: `${scheme} s3cret-token` } })).status, scheme).toBe(200);
      }
      expect((await getJson(`${secured.url}/api/images?limit=1`, { headers: { authorization: 'bearer wrong-token' } })).status).toBe(401);
    } finally {
      await secured.stop();
    }
  });
});
