/**
 * The host's OSC socket over real UDP on loopback: datagrams sent by the test reach its listeners
 * decoded, malformed ones are counted and dropped, a taken port is reported rather than thrown,
 * and the port that worked is kept in the data folder's settings for the next run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OscDelivery } from '../../app/contract/live';
import { LIVE_SETTINGS_FILE, OscReceiver } from './osc';
import { freeUdpPort, oscBundle, oscMessage, oscSender } from '../../test-support/osc-sender';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function receiver(dataDir = mkdtempSync(path.join(os.tmpdir(), 'latent-osc-'))): { osc: OscReceiver; dataDir: string } {
  const osc = new OscReceiver({ dataDir });
  cleanups.push(() => osc.stop(), () => rmSync(dataDir, { recursive: true, force: true }));
  return { osc, dataDir };
}

/** Resolves with the next delivery, or rejects after `ms`. */
function nextDelivery(osc: OscReceiver, ms = 5000): Promise<OscDelivery> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no OSC delivery arrived')), ms);
    const off = osc.onMessages((delivery) => {
      clearTimeout(timer);
      off();
      resolve(delivery);
    });
  });
}

describe('OscReceiver', () => {
  it('delivers what a UDP sender sends, bundles flattened, and counts the broken datagrams', async () => {
    const { osc } = receiver();
    const port = await freeUdpPort();
    expect(await osc.listen(port)).toMatchObject({ port, listening: true, packets: 0, malformed: 0, error: null });
    const sender = oscSender(port);
    cleanups.push(() => sender.close());

    let arrived = nextDelivery(osc);
    await sender.send(oscMessage('/latent/psi', 0.25));
    expect((await arrived).messages).toEqual([{ address: '/latent/psi', args: [{ type: 'f', value: 0.25 }] }]);

    arrived = nextDelivery(osc);
    await sender.send(Buffer.from([0x2f, 0x78, 0x00])); // "/x" without its padding: malformed
    await sender.send(oscMessage('/latent/psi', 1.5).subarray(0, 18)); // cut inside the float
    await sender.send(oscBundle(oscMessage('/latent/seed', { int: 42 }), oscMessage('/timeline/play')));
    expect((await arrived).messages).toEqual([
      { address: '/latent/seed', args: [{ type: 'i', value: 42 }] },
      { address: '/timeline/play', args: [] },
    ]);
    expect(await osc.status()).toMatchObject({ listening: true, packets: 4, malformed: 2 });

    expect(await osc.listen(null)).toMatchObject({ listening: false, port });
  });

  it('reports a port another program holds, and keeps the last port that worked for the next run', async () => {
    const { osc, dataDir } = receiver();
    const blocker = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => blocker.bind(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => void blocker.close());
    const taken = blocker.address().port;
    const status = await osc.listen(taken);
    expect(status.listening).toBe(false);
    expect(status.error).toMatch(/already in use.*choose another OSC port/);
    expect(() => readFileSync(path.join(dataDir, LIVE_SETTINGS_FILE))).toThrow(/ENOENT/);

    const free = await freeUdpPort();
    expect(await osc.listen(free)).toMatchObject({ listening: true, error: null });
    await osc.stop();
    expect(JSON.parse(readFileSync(path.join(dataDir, LIVE_SETTINGS_FILE), 'utf8'))).toEqual({ oscPort: free });
    expect(await receiver(dataDir).osc.status()).toMatchObject({ port: free, listening: false });
  });

  it('starts from the default port when its settings are damaged, and says so', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'latent-osc-'));
    writeFileSync(path.join(dataDir, LIVE_SETTINGS_FILE), '{"oscPort": 9');
    const status = await receiver(dataDir).osc.status();
    expect(status).toMatchObject({ port: 9000, listening: false });
    expect(status.error).toMatch(/not JSON/);
  });
});
