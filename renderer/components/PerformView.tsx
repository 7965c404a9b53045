/**
 * The performance page (`?view=perform`): only the picture, black around it, fed by the studio
 * page's frames over the perform channel (renderer/live/perform.ts). A click or Enter asks the
 * browser for full screen (the desktop app's window already is); Escape leaves it, as browsers do.
 */
import { useEffect, useRef, useState } from 'react';
import { PERFORM_CHANNEL, type PerformMessage } from '../live/perform';

/** The performance output. */
export function PerformView() {
  const ref = useRef<HTMLCanvasElement>(null);
  const [refused, setRefused] = useState<string | null>(null);
  useEffect(() => {
    const viewer = crypto.randomUUID();
    const channel = new BroadcastChannel(PERFORM_CHANNEL);
    channel.onmessage = (event: MessageEvent<PerformMessage>) => {
      const message = event.data;
      const canvas = ref.current;
      if (message.type === 'closing') window.close();
      if (message.type !== 'frame' || !canvas) return;
      if (canvas.width !== message.image.width || canvas.height !== message.image.height) {
        canvas.width = message.image.width;
        canvas.height = message.image.height;
      }
      canvas.getContext('2d')?.putImageData(message.image, 0, 0);
      canvas.dataset.renderedKey = message.key;
    };
    channel.postMessage({ type: 'hello', viewer } satisfies PerformMessage);
    const bye = () => channel.postMessage({ type: 'bye', viewer } satisfies PerformMessage);
    window.addEventListener('pagehide', bye);
    return () => {
      bye();
      window.removeEventListener('pagehide', bye);
      channel.close();
    };
  }, []);
  const fullScreen = () => {
    if (document.fullscreenElement) return;
    document.documentElement.requestFullscreen().then(
      () => setRefused(null),
      (error: unknown) => setRefused(`Full screen was refused (${(error as Error).message}); use the browser's own full-screen key.`),
    );
  };
  return (
    <main className="perform" aria-label="Performance output" onClick={fullScreen} onKeyDown={(e) => e.key === 'Enter' && fullScreen()} tabIndex={0}>
      <canvas ref={ref} data-testid="perform-canvas" role="img" aria-label="Generated image, full screen" width={1} height={1} />
      {refused && (
        <p className="perform-note" role="alert">
          {refused}
        </p>
      )}
    </main>
  );
}
