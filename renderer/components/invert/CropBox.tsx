/**
 * The visible, draggable square that picks which part of the user's picture is inverted: the
 * picture is drawn to fit the box's frame, the square moves by pointer or arrow keys and grows or
 * shrinks with the size slider (or + / −). Coordinates are kept in source pixels.
 */
import { useEffect, useRef, type KeyboardEvent, type PointerEvent } from 'react';
import { clampCrop, type Crop } from './target';

/** Side of the frame the picture is fitted into, CSS px. */
const FRAME = 240;

/** See the module comment. */
export function CropBox({ bitmap, crop, onChange }: { bitmap: ImageBitmap; crop: Crop; onChange: (crop: Crop) => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const drag = useRef<{ x: number; y: number; crop: Crop } | null>(null);
  const scale = FRAME / Math.max(bitmap.width, bitmap.height);
  const shown = { width: Math.round(bitmap.width * scale), height: Math.round(bitmap.height * scale) };

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    c.width = shown.width;
    c.height = shown.height;
    c.getContext('2d')?.drawImage(bitmap, 0, 0, shown.width, shown.height);
  }, [bitmap, shown.width, shown.height]);

  const set = (next: Crop) => onChange(clampCrop(next, bitmap.width, bitmap.height));
  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    event.currentTarget.setPointerCapture(event.pointerId);
    drag.current = { x: event.clientX, y: event.clientY, crop };
  };
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    const start = drag.current;
    if (!start) return;
    set({ ...start.crop, x: start.crop.x + (event.clientX - start.x) / scale, y: start.crop.y + (event.clientY - start.y) / scale });
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const step = Math.max(1, Math.round(crop.size / 20));
    const moves: Record<string, [number, number, number]> = { ArrowLeft: [-step, 0, 0], ArrowRight: [step, 0, 0], ArrowUp: [0, -step, 0], ArrowDown: [0, step, 0], '+': [-step, -step, 2 * step], '-': [step, step, -2 * step] };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    set({ x: crop.x + move[0], y: crop.y + move[1], size: crop.size + move[2] });
  };

  return (
    <div className="invert-crop">
      <div className="invert-crop-frame" style={{ width: shown.width, height: shown.height }}>
        <canvas ref={canvas} aria-hidden="true" />
        <div
          className="invert-crop-box"
          data-testid="invert-crop"
          role="group"
          aria-roledescription="crop box"
          aria-label={`Crop: ${crop.size} px square at ${crop.x}, ${crop.y}. Drag or use the arrow keys to move it, + and − to resize.`}
          tabIndex={0}
          style={{ left: crop.x * scale, top: crop.y * scale, width: crop.size * scale, height: crop.size * scale }}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={() => (drag.current = null)}
          onKeyDown={onKeyDown}
        />
      </div>
      <label>
        Crop size
        <input
          type="range"
          data-testid="invert-crop-size"
          min={Math.min(8, bitmap.width, bitmap.height)}
          max={Math.min(bitmap.width, bitmap.height)}
          value={crop.size}
          onChange={(e) => {
            const size = Number(e.target.value);
            set({ x: crop.x + (crop.size - size) / 2, y: crop.y + (crop.size - size) / 2, size });
          }}
        />
      </label>
    </div>
  );
}
