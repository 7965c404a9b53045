/**
 * The browser host's guards, over real HTTP on loopback: the token, the Host and Origin checks,
 * path traversal (encoded variants) on both the renderer and the model-file routes, and the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import path from 'node:path';
import { startWebHost, type WebHost } from './server';

const ROOT = path.resolve(__dirname, '../..');
let host: WebHost;
let port: number;

/** Raw request (fetch would normalise the path and forbid setting Host). */
function request(
  pathname: string,
  { headers = {}, method = 'GET', body }: { headers?: Record<string, string>; method?: string; body?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const auth = () => ({ Cookie: `latent_studio_token=${host.token}` });

beforeAll(async () => {
  host = await startWebHost({ rendererDir: path.join(ROOT, 'dist/renderer'), modelsDir: path.join(ROOT, 'models'), includeFixtures: true });
  port = Number(new URL(host.origin).port);
});
afterAll(() => host.close());

describe('browser host', () => {
  it('binds to 127.0.0.1 and prints a URL with the token', () => {
    expect(host.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(host.url).toBe(`${host.origin}/?token=${host.token}`);
    expect(host.token.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses requests without the token or with a wrong one', async () => {
    expect((await request('/')).status).toBe(401);
    expect((await request('/', { headers: { Cookie: 'latent_studio_token=wrong' } })).status).toBe(401);
    expect((await request('/?token=wrong')).status).toBe(401);
    expect((await request('/api/library:list', { method: 'POST', body: '{}' })).status).toBe(401);
  });

  it('trades the query token for an HttpOnly SameSite=Strict cookie', async () => {
    const res = await request(`/?token=${host.token}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(res.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Strict/);
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin', async () => {
    expect((await request('/', { headers: { ...auth(), Host: `evil.example:${port}` } })).status).toBe(421);
    expect((await request('/', { headers: { ...auth(), Host: `127.0.0.1:${port + 1}` } })).status).toBe(421);
    const api = { method: 'POST', body: '{}' };
    expect((await request('/api/library:list', { ...api, headers: { ...auth(), Origin: 'https://evil.example' } })).status).toBe(403);
    expect((await request('/api/library:list', { ...api, headers: { ...auth(), Origin: host.origin } })).status).toBe(200);
  });

  it('serves the renderer with cross-origin isolation and a CSP that allows WebAssembly', async () => {
    const res = await request('/', { headers: auth() });
    expect(res.status).toBe(200);
    expect(res.body).toContain('<div id="root">');
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(res.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(res.headers['content-security-policy']).toContain("'wasm-unsafe-eval'");
    const wasm = await request('/ort/ort-wasm-simd-threaded.asyncify.wasm', { headers: auth(), method: 'HEAD' });
    expect(wasm.status).toBe(200);
    expect(wasm.headers['content-type']).toBe('application/wasm');
  });

  it.each([
    '/../package.json',
    '/%2e%2e/package.json',
    '/%2E%2E%2Fpackage.json',
    '/assets/..%2f..%2fpackage.json',
    '/assets/..%5c..%5cpackage.json',
    '/models/fixture-stylegan-tiny/..%2f..%2f..%2fpackage.json',
    '/models/fixture-stylegan-tiny/%2e%2e/manifest.json',
    '/models/..%2f..%2fpackage.json/x',
    '/%00',
  ])('refuses traversal: %s', async (p) => {
    const res = await request(p, { headers: auth() });
    expect([403, 404]).toContain(res.status);
    expect(res.body).not.toContain('"latent-studio"');
  });

  it('streams model files the manifest lists, and only those', async () => {
    const onnx = await request('/models/fixture-stylegan-tiny/mapping.onnx', { headers: auth() });
    expect(onnx.status).toBe(200);
    expect(Number(onnx.headers['content-length'])).toBeGreaterThan(1000);
    expect((await request('/models/fixture-stylegan-tiny/manifest.json', { headers: auth() })).status).toBe(404);
  });

  it('answers the contract API and validates payloads', async () => {
    const ok = await request('/api/library:list', { method: 'POST', body: '{}', headers: auth() });
    expect(ok.status).toBe(200);
    const listed = JSON.parse(ok.body) as { models: { id: string }[] };
    expect(listed.models.map((m) => m.id)).toContain('fixture-stylegan-tiny');
    const bad = await request('/api/library:list', { method: 'POST', body: '{"extra":1}', headers: auth() });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/library:list/);
    expect((await request('/api/library:list', { method: 'POST', body: 'not json', headers: auth() })).status).toBe(400);
    expect((await request('/api/nope', { method: 'POST', body: '{}', headers: auth() })).status).toBe(404);
    expect((await request('/api/library:list', { headers: auth() })).status).toBe(405);
  });
});
