/**
 * The performance output's feed: every frame the preview paints is posted, as ImageData, on a
 * same-origin BroadcastChannel to the performance page (`?view=perform`), which paints only the
 * picture. BroadcastChannel works the same in a browser pop-up and in Electron's second window
 * (both are pages of the studio's origin), so one feed serves both hosts. Frames are posted only
 * while a performance page has said hello; it says goodbye when it closes, and the studio page
 * tells it to close when the studio page itself goes away. A GPU-drawn preview frame (an
 * ImageBitmap, WebGPU's GPU-resident path) is read into ImageData only while a performance page is
 * open: that page is a CPU consumer of pixels, and the channel carries only cloneable data.
 */
import { getHost } from '../platform/host';
import { studioStore } from '../store';

/** The channel's name (one studio origin, one feed). */
export const PERFORM_CHANNEL = 'latent-studio-perform';

/** What travels on the channel. */
export type PerformMessage =
  | { type: 'hello'; viewer: string }
  | { type: 'bye'; viewer: string }
  | { type: 'frame'; image: ImageData; key: string }
  | { type: 'closing' };

let channel: BroadcastChannel | null = null;
const viewers = new Set<string>();
/** The frame on screen; a bitmap stays valid until the preview replaces it, so it is read when sent. */
let last: { image: ImageData | ImageBitmap; key: string } | null = null;

function performFrame(image: ImageData | ImageBitmap, key: string): PerformMessage {
  if (image instanceof ImageData) return { type: 'frame', image, key };
  const canvas = new OffscreenCanvas(image.width, image.height);
  const context = canvas.getContext('2d')!;
  context.drawImage(image, 0, 0);
  return { type: 'frame', image: context.getImageData(0, 0, image.width, image.height), key };
}

/** Start the feed in the studio page (once). */
export function startPerformFeed(): void {
  if (channel) return;
  const feed = new BroadcastChannel(PERFORM_CHANNEL);
  channel = feed;
  feed.onmessage = (event: MessageEvent<PerformMessage>) => {
    const message = event.data;
    if (message.type === 'hello') {
      viewers.add(message.viewer);
      if (last) feed.postMessage(performFrame(last.image, last.key));
    } else if (message.type === 'bye') viewers.delete(message.viewer);
  };
  window.addEventListener('pagehide', () => feed.postMessage({ type: 'closing' } satisfies PerformMessage));
}

/** Post a painted frame to the open performance pages (the preview calls this for every frame). */
export function feedPerformFrame(image: ImageData | ImageBitmap, key: string): void {
  last = { image, key };
  if (channel && viewers.size > 0) channel.postMessage(performFrame(image, key));
}

/**
 * Open the performance output: Electron opens its own frameless full-screen window; in the browser
 * it is a pop-up of this page (which the browser may block: the banner says what to do then).
 */
export async function openPerformWindow(): Promise<void> {
  const store = studioStore.getState();
  if (store.hostInfo?.capabilities.performWindow) {
    try {
      await getHost().openPerformWindow({});
    } catch (error) {
      store.showError(`Could not open the performance window: ${(error as Error).message}. Try again, or restart the studio.`);
    }
    return;
  }
  const url = new URL(window.location.href);
  url.search = '?view=perform';
  url.hash = '';
  const popup = window.open(url.toString(), 'latent-studio-perform', 'popup,width=960,height=540');
  if (!popup) store.showError('The browser blocked the performance window. Allow pop-ups for this address, then press Perform again.');
}
