/**
 * OSC in the browser host, end to end in Node: the page's call starts the UDP socket, datagrams the
 * test sends to it arrive on the event stream a client holds open (with the token header; without
 * it, or from a foreign Origin, the stream is refused like every API route), and malformed ones
 * show up in the status call's counter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startWebHost, type WebHost } from './server';
import { apiPath, HOST_TOKEN_HEADER, OSC_EVENTS_ROUTE } from '../../app/contract/routes';
import { oscDeliverySchema, type OscDelivery } from '../../app/contract/live';
import { freeUdpPort, oscMessage, oscSender } from '../../test-support/osc-sender';

const ROOT = path.resolve(__dirname, '../..');
let host: WebHost;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'latent-web-osc-'));
  host = await startWebHost({ rendererDir: path.join(ROOT, 'dist/renderer'), modelsDir: path.join(ROOT, 'models'), dataDir });
});
afterAll(async () => {
  await host.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function call(method: 'oscListen' | 'oscStatus', body: object): Promise<Record<string, unknown>> {
  const response = await fetch(host.origin + apiPath(method), { method: 'POST', headers: { [HOST_TOKEN_HEADER]: host.token, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

/** Open the event stream; `deliveries` fills as `data:` events arrive. */
function openStream(headers: Record<string, string>): Promise<{ status: number; deliveries: OscDelivery[]; close(): void; next(): Promise<void> }> {
  const port = new URL(host.origin).port;
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: OSC_EVENTS_ROUTE, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const deliveries: OscDelivery[] = [];
      let waiting: (() => void) | null = null;
      let buffer = '';
      res.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (event.startsWith('data: ')) deliveries.push(oscDeliverySchema.parse(JSON.parse(event.slice('data: '.length))));
          waiting?.();
        }
      });
      resolve({
        status: res.statusCode ?? 0,
        deliveries,
        close: () => req.destroy(),
        next: () => new Promise<void>((done, fail) => {
          const timer = setTimeout(() => fail(new Error('no event arrived')), 5000);
          waiting = () => {
            clearTimeout(timer);
            waiting = null;
            done();
          };
        }),
      });
    });
    req.on('error', reject);
  });
}

describe('the browser host’s OSC stream', () => {
  it('refuses the stream without the token and from a foreign Origin', async () => {
    expect((await openStream({})).status).toBe(401);
    expect((await openStream({ [HOST_TOKEN_HEADER]: host.token, Origin: 'http://evil.example' })).status).toBe(403);
  });

  it('delivers the datagrams a UDP sender sends to the port the page asked for, and counts broken ones', async () => {
    const port = await freeUdpPort();
    expect(await call('oscListen', { port })).toMatchObject({ port, listening: true, error: null });
    const stream = await openStream({ [HOST_TOKEN_HEADER]: host.token });
    expect(stream.status).toBe(200);
    const sender = oscSender(port);
    try {
      const arrived = stream.next();
      await sender.send(Buffer.from('garbage!'));
      await sender.send(oscMessage('/latent/edit/smile', 1.5));
      await arrived;
      expect(stream.deliveries).toEqual([{ messages: [{ address: '/latent/edit/smile', args: [{ type: 'f', value: 1.5 }] }] }]);
      expect(await call('oscStatus', {})).toMatchObject({ listening: true, packets: 2, malformed: 1 });
    } finally {
      sender.close();
      stream.close();
    }
    expect(await call('oscListen', { port: null })).toMatchObject({ listening: false });
  });

  it('refuses a privileged or out-of-range port', async () => {
    for (const port of [80, 70000, 1.5]) {
      const response = await fetch(host.origin + apiPath('oscListen'), { method: 'POST', headers: { [HOST_TOKEN_HEADER]: host.token }, body: JSON.stringify({ port }) });
      expect(response.status).toBe(400);
    }
  });
});
