/**
 * Live control in the browser host, as a performer would drive it: OSC datagrams sent by the test
 * (node:dgram) to the host's UDP port move the ψ slider and the picture, broken ones are counted;
 * MIDI through a simulated MIDIAccess installed in the page (the test drives its input's
 * onmidimessage): learn binds a CC to ψ, the binding undoes, and moving the CC moves ψ; the
 * performance pop-up shows the same pixels as the preview and follows it.
 */
import { test, expect, type StudioPage } from './fixtures';
import { latentState, stateKey } from '../app/state/latent-state';
import { freeUdpPort, oscBundle, oscMessage, oscSender } from '../test-support/osc-sender';

const MODEL = 'fixture-stylegan-tiny';

test.skip(({ backend }) => backend !== 'wasm', 'UI flow: one backend suffices (the WebGPU project checks rendering)');

async function openAtDefault(studio: StudioPage): Promise<void> {
  await studio.open(MODEL);
  await studio.waitForFrame(stateKey(MODEL, latentState({})));
}

test('OSC sent to the host’s UDP port moves ψ and the seed; broken packets and unknown addresses are counted', async ({ studio }) => {
  const { page } = studio;
  await openAtDefault(studio);
  const port = await freeUdpPort();
  await page.getByTestId('osc-port').fill(String(port));
  // The box shows what the host reports, so it ticks once the socket is bound.
  await page.getByTestId('osc-listen').click();
  await expect(page.getByTestId('osc-listen')).toBeChecked();
  await expect(page.getByTestId('osc-status')).toHaveText(`Listening on 127.0.0.1:${port}`);

  const sender = oscSender(port);
  try {
    await sender.send(oscMessage('/latent/psi', 0.5));
    await expect(page.getByTestId('psi-slider')).toHaveValue('0.5');
    await studio.waitForFrame(stateKey(MODEL, latentState({ psi: 0.5 })));

    await sender.send(oscBundle(oscMessage('/latent/seed', { int: 7 }), oscMessage('/latent/psi', { double: 0.25 })));
    await studio.waitForFrame(stateKey(MODEL, latentState({ seed: 7, psi: 0.25 })));
    await expect(page.getByTestId('seed-input')).toHaveValue('7');

    const ignored = Number((await page.getByTestId('live-ignored').textContent())!.replace(/\D/g, ''));
    await sender.send(Buffer.from([0x2f, 0x6c, 0x61])); // "/la": cut short
    await sender.send(oscMessage('/latent/zoom', 1)); // no such address
    await sender.send(oscMessage('/latent/psi', 'high')); // a string where a number goes
    // The host's malformed count arrives with its status, refreshed every 2 s.
    await expect(page.getByTestId('live-ignored')).toHaveText(`Ignored inputs: ${ignored + 3}`, { timeout: 10_000 });
    await expect(page.getByTestId('psi-slider')).toHaveValue('0.25');

    // A reloaded page follows the socket the host still holds.
    await page.reload();
    await studio.waitForFrame(stateKey(MODEL, latentState({})));
    await expect(page.getByTestId('osc-listen')).toBeChecked();
    await expect(page.getByTestId('osc-status')).toHaveText(`Listening on 127.0.0.1:${port}`);
    await sender.send(oscMessage('/latent/psi', 0.75));
    await expect(page.getByTestId('psi-slider')).toHaveValue('0.75');
  } finally {
    sender.close();
  }
  await page.getByTestId('osc-listen').click();
  await expect(page.getByTestId('osc-listen')).not.toBeChecked();
  await expect(page.getByTestId('osc-status')).toHaveText('OSC is off');
});

test('MIDI learn binds a CC to ψ (undoably), and moving the CC moves ψ', async ({ studio }) => {
  const { page } = studio;
  // A MIDIAccess with one input, standing in for a controller (headless Chromium has no MIDI devices).
  await page.addInitScript(() => {
    const input = { id: 'fake-1', name: 'Test controller', onmidimessage: null as ((event: { data: Uint8Array }) => void) | null };
    (window as unknown as { __midiInput: typeof input }).__midiInput = input;
    Object.defineProperty(navigator, 'requestMIDIAccess', {
      value: async () => ({ inputs: new Map([[input.id, input]]), outputs: new Map(), onstatechange: null, sysexEnabled: false }),
    });
  });
  const midi = (...bytes: number[]) => page.evaluate((data) => (window as unknown as { __midiInput: { onmidimessage(e: { data: Uint8Array }): void } }).__midiInput.onmidimessage({ data: new Uint8Array(data) }), bytes);
  await openAtDefault(studio);

  await page.getByTestId('midi-learn').click();
  await expect(page.getByTestId('midi-learn')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('learn-status')).toHaveText('Touch a control in the studio to bind it.');
  await page.getByTestId('psi-slider').focus();
  await expect(page.getByTestId('learn-status')).toContainText('Truncation ψ');
  await midi(0xb2, 7, 90); // CC 7 on channel 3
  await expect(page.getByTestId('live-binding')).toHaveCount(1);
  await expect(page.getByTestId('live-binding')).toContainText('MIDI ch 3 CC 7 → Truncation ψ');
  await expect(page.getByTestId('midi-learn')).toHaveAttribute('aria-pressed', 'false');
  // Learning bound the knob; it did not move ψ.
  await expect(page.getByTestId('psi-slider')).toHaveValue('1');

  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('live-binding')).toHaveCount(0);
  await page.keyboard.press('Control+Shift+z');
  await expect(page.getByTestId('live-binding')).toHaveCount(1);

  await midi(0xb2, 7, 0);
  await expect(page.getByTestId('psi-slider')).toHaveValue('-1');
  await midi(0xb2, 7, 127);
  await expect(page.getByTestId('psi-slider')).toHaveValue('2');
  await studio.waitForFrame(stateKey(MODEL, latentState({ psi: 2 })));
  // Another CC, another channel: not bound, nothing moves; a broken message is counted (on top of
  // the host's count of malformed OSC, which earlier tests on this host may have raised).
  const ignored = Number((await page.getByTestId('live-ignored').textContent())!.replace(/\D/g, ''));
  await midi(0xb0, 7, 0);
  await midi(0xb2, 8, 0);
  await midi(0xb2, 7);
  await expect(page.getByTestId('live-ignored')).toHaveText(`Ignored inputs: ${ignored + 1}`);
  await expect(page.getByTestId('psi-slider')).toHaveValue('2');

  await page.getByTestId('live-binding-remove').click();
  await expect(page.getByTestId('live-binding')).toHaveCount(0);
  await midi(0xb2, 7, 0);
  await expect(page.getByTestId('psi-slider')).toHaveValue('2');
});

test('the performance pop-up shows the same pixels as the preview and follows it', async ({ studio }) => {
  const { page } = studio;
  await openAtDefault(studio);
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByTestId('perform-open').click()]);
  const canvas = popup.getByTestId('perform-canvas');
  const pixelsOf = (where: typeof canvas) =>
    where.evaluate((c: HTMLCanvasElement) => ({ w: c.width, h: c.height, data: Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data) }));

  await expect(canvas).toHaveAttribute('data-rendered-key', stateKey(MODEL, latentState({})));
  expect(await pixelsOf(canvas)).toEqual(await pixelsOf(page.getByTestId('preview-canvas')));
  await expect(popup.getByRole('button')).toHaveCount(0); // only the picture

  await page.getByTestId('psi-slider').fill('0.3');
  await studio.waitForFrame(stateKey(MODEL, latentState({ psi: 0.3 })));
  await expect(canvas).toHaveAttribute('data-rendered-key', stateKey(MODEL, latentState({ psi: 0.3 })));
  expect(await pixelsOf(canvas)).toEqual(await pixelsOf(page.getByTestId('preview-canvas')));
  await popup.close();
});
