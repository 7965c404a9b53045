/**
 * The browser host's guards, over real HTTP on loopback: the token (a header, never a cookie), the
 * Host and Origin checks on every loopback name, path traversal (encoded variants, sent raw so the
 * URL parser cannot normalise them away) on the renderer and model-file routes, and the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startWebHost, type WebHost } from './server';
import { fixtureZip, zipWithNames, fixtureFiles } from '../../e2e/model-corpus';

const ROOT = path.resolve(__dirname, '../..');
let host: WebHost;
let port: number;
let dataDir: string;
/** Every Set-Cookie any response of this file carried: there must be none. */
const cookiesSet: string[] = [];

/** Raw request (fetch would normalise the path and forbid setting Host). */
function request(
  pathname: string,
  { headers = {}, method = 'GET', body, to = { address: '127.0.0.1', port } }: { headers?: Record<string, string>; method?: string; body?: string | Uint8Array; to?: { address: string; port: number } } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: to.address, port: to.port, path: pathname, method, headers: { Host: `127.0.0.1:${to.port}`, ...headers } }, (res) => {
      cookiesSet.push(...(res.headers['set-cookie'] ?? []));
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const auth = () => ({ 'X-Latent-Studio-Token': host.token });

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'latent-web-'));
  host = await startWebHost({ rendererDir: path.join(ROOT, 'dist/renderer'), modelsDir: path.join(ROOT, 'models'), includeFixtures: true, dataDir });
  port = Number(new URL(host.origin).port);
});
afterAll(async () => {
  await host.close();
  rmSync(dataDir, { recursive: true, force: true });
  // Browsers send a cookie for 127.0.0.1 to every port: any cookie would reach other local servers.
  expect(cookiesSet).toEqual([]);
});

describe('browser host', () => {
  it('binds to 127.0.0.1 and prints a URL with the token', () => {
    expect(host.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(host.url).toBe(`${host.origin}/?token=${host.token}`);
    expect(host.token.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses API calls and model files without the token header or with a wrong one', async () => {
    const api = { method: 'POST', body: '{}' };
    expect((await request('/api/library:list', api)).status).toBe(401);
    expect((await request('/api/library:list', { ...api, headers: { 'X-Latent-Studio-Token': 'wrong' } })).status).toBe(401);
    expect((await request('/models/fixture-stylegan-tiny/mapping.onnx')).status).toBe(401);
    expect((await request('/?token=wrong')).status).toBe(401);
  });

  it('never takes the token from a cookie, nor from the query of an API call, and never sets one', async () => {
    const api = { method: 'POST', body: '{}' };
    expect((await request('/api/library:list', { ...api, headers: { Cookie: `latent_studio_token=${host.token}` } })).status).toBe(401);
    expect((await request(`/api/library:list?token=${host.token}`, api)).status).toBe(401);
    const page = await request(`/?token=${host.token}`);
    expect(page.status).toBe(200);
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(page.body).toContain('<div id="root">');
  });

  it('serves the renderer itself without the token (its scripts and worker load by plain URL)', async () => {
    const page = await request('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="root">');
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin', async () => {
    expect((await request('/', { headers: { ...auth(), Host: `evil.example:${port}` } })).status).toBe(421);
    expect((await request('/', { headers: { ...auth(), Host: `127.0.0.1:${port + 1}` } })).status).toBe(421);
    const api = { method: 'POST', body: '{}' };
    for (const foreign of ['https://evil.example', `http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`, `http://localhost:${port + 1}`, 'null']) {
      expect((await request('/api/library:list', { ...api, headers: { ...auth(), Origin: foreign } })).status, foreign).toBe(403);
    }
    expect((await request('/api/library:list', { ...api, headers: { ...auth(), Origin: host.origin } })).status).toBe(200);
  });

  it('answers a page opened at localhost or [::1] like one at 127.0.0.1', async () => {
    const api = { method: 'POST', body: '{}' };
    for (const name of ['127.0.0.1', 'localhost', '[::1]']) {
      const headers = { ...auth(), Host: `${name}:${port}`, Origin: `http://${name}:${port}` };
      expect((await request('/api/library:list', { ...api, headers })).status, name).toBe(200);
      expect((await request('/', { headers })).status, name).toBe(200);
    }
    // [::1] is a name the host answers on, so it listens there too.
    const v6 = await request('/api/library:list', { ...api, to: { address: '::1', port }, headers: { ...auth(), Host: `[::1]:${port}`, Origin: `http://[::1]:${port}` } });
    expect(v6.status).toBe(200);
  });

  it('runs beside a second host: each answers its own token only', async () => {
    const otherData = mkdtempSync(path.join(os.tmpdir(), 'latent-web-'));
    const other = await startWebHost({ rendererDir: path.join(ROOT, 'dist/renderer'), modelsDir: path.join(ROOT, 'models'), includeFixtures: true, dataDir: otherData });
    try {
      const otherPort = Number(new URL(other.origin).port);
      expect(other.token).not.toBe(host.token);
      const call = (to: number, token: string) =>
        request('/api/library:list', { method: 'POST', body: '{}', to: { address: '127.0.0.1', port: to }, headers: { Host: `127.0.0.1:${to}`, 'X-Latent-Studio-Token': token } });
      expect((await call(port, host.token)).status).toBe(200);
      expect((await call(otherPort, other.token)).status).toBe(200);
      expect((await call(port, other.token)).status).toBe(401);
      expect((await call(otherPort, host.token)).status).toBe(401);
    } finally {
      await other.close();
      rmSync(otherData, { recursive: true, force: true });
    }
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
    // Paths the URL parser would normalise to a file that exists: only the raw-path guard refuses them.
    '/assets/%2e%2e/index.html',
    '/x/../index.html',
    '/models/fixture-stylegan-tiny/%2e%2e/fixture-stylegan-tiny/mapping.onnx',
    '/./index.html',
  ])('refuses traversal: %s', async (p) => {
    const res = await request(p, { headers: auth() });
    expect(res.status).toBe(403);
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

describe('browser host: model upload and the user library', () => {
  const upload = (name: string, bytes: Uint8Array, headers: Record<string, string> = auth()) =>
    request(`/api/library:import?name=${encodeURIComponent(name)}`, { method: 'POST', body: bytes, headers: { 'Content-Type': 'application/octet-stream', ...headers } });

  it('guards the upload route like every route: token, Host and Origin', async () => {
    const zip = fixtureZip({ folder: 'pkg' });
    expect((await upload('m.zip', zip, {})).status).toBe(401);
    expect((await upload('m.zip', zip, { ...auth(), Origin: 'https://evil.example' })).status).toBe(403);
    expect((await upload('m.zip', zip, { ...auth(), Host: `evil.example:${port}` })).status).toBe(421);
    expect((await request('/api/library:import?name=m.zip', { headers: auth() })).status).toBe(405);
    expect(existsSync(path.join(dataDir, 'models'))).toBe(false);
  });

  it('imports uploaded bytes, then lists and streams the model like a bundled one, and only its listed files', async () => {
    // The fixture's id is taken by the bundled copy, so upload it under another id.
    const zip = fixtureZip({ folder: 'pkg', edit: (m) => (m.id = 'uploaded-tiny') });
    const res = await upload('../../Tiny model.zip', zip);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'imported', model: { id: 'uploaded-tiny', source: 'library' } });
    const list = JSON.parse((await request('/api/library:list', { method: 'POST', body: '{}', headers: auth() })).body);
    expect(list.models.map((m: { id: string }) => m.id)).toContain('uploaded-tiny');
    const onnx = await request('/models/uploaded-tiny/synthesis.onnx', { headers: auth() });
    expect(onnx.status).toBe(200);
    expect(Number(onnx.headers['content-length'])).toBe(fixtureFiles()['synthesis.onnx']!.length);
    for (const p of [
      '/models/uploaded-tiny/manifest.json',
      '/models/uploaded-tiny/..%2f..%2flibrary.json',
      '/models/uploaded-tiny/%2e%2e/%2e%2e/library.json',
      '/models/uploaded-tiny/..%5c..%5clibrary.json',
      '/models/..%2fmodels%2fuploaded-tiny/mapping.onnx',
      '/models/uploaded-tiny/mapping.onnx%00.txt',
    ]) {
      const refused = await request(p, { headers: auth() });
      expect([403, 404], p).toContain(refused.status);
    }
    // The uploaded file's name never became a path: nothing was written beside the data folder.
    expect(readdirSync(path.dirname(dataDir)).some((f) => f.startsWith('Tiny model'))).toBe(false);
  });

  it('refuses a zip-slip upload, an oversized one and an empty one with what to do, changing nothing', async () => {
    const before = readdirSync(path.join(dataDir, 'models')).sort();
    const slip = await upload('slip.zip', zipWithNames({ 'manifest.json': '{}', '../../escape.txt': 'x' }));
    expect(slip.status).toBe(400);
    expect(JSON.parse(slip.body).error).toMatch(/slip\.zip was refused: its entry "\.\.\/\.\.\/escape\.txt" climbs out/);
    const empty = await upload('empty.onnx', new Uint8Array(0));
    expect(empty.status).toBe(400);
    expect(JSON.parse(empty.body).error).toMatch(/empty \(0 bytes\)/);
    const big = await request('/api/library:import?name=huge.zip', { method: 'POST', headers: { ...auth(), 'Content-Length': String(2 ** 33) } });
    expect(big.status).toBe(413);
    expect(readdirSync(path.join(dataDir, 'models')).sort()).toEqual(before);
    expect(existsSync(path.join(dataDir, '..', 'escape.txt'))).toBe(false);
  });

  it('refuses what only the desktop app may do: importing or opening by path, revealing folders', async () => {
    const call = (channel: string, body: unknown) => request(`/api/${channel}`, { method: 'POST', body: JSON.stringify(body), headers: auth() });
    const byPath = await call('library:import', { path: '/etc/passwd' });
    expect(byPath.status).toBe(400);
    expect(JSON.parse(byPath.body).error).toMatch(/imports files you drop or choose/);
    expect((await call('project:open', { path: '/etc/passwd' })).status).toBe(400);
    expect((await call('project:open', { path: path.join(dataDir, 'projects', '..', '..', 'x.latent.json') })).status).toBe(400);
    const reveal = await call('library:reveal', { id: 'uploaded-tiny' });
    expect(reveal.status).toBe(400);
    expect(JSON.parse(reveal.body).error).toMatch(/cannot open folders/);
  });
});
