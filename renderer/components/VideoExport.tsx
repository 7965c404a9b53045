import { useState } from 'react';
import { frameCount, timelineDuration, TimelineError } from '../../app/state/timeline';
import { exportVideo, GIF_MAX_FPS, type VideoFormat } from '../export/video';
import { studioStore, useStudio } from '../store';
import { ExportPopover, ScaleControls } from './ExportControls';

const FORMATS: { value: VideoFormat; label: string }[] = [
  { value: 'mp4', label: 'MP4 (H.264)' },
  { value: 'webm', label: 'WebM (VP9)' },
  { value: 'gif', label: 'GIF' },
];

/** Video export controls: container, frame rate and size; renders the timeline frame by frame. */
export function VideoExport({ onClose }: { onClose: () => void }) {
  const timeline = useStudio((s) => s.timeline);
  const busy = useStudio((s) => s.exportProgress !== null || s.modelStatus !== 'ready');
  const scale = useStudio((s) => s.exportScale);
  const resolution = useStudio((s) => s.models.find((m) => m.id === s.modelId)?.manifest.resolution ?? 0);
  const [format, setFormat] = useState<VideoFormat>('mp4');
  const [fps, setFps] = useState(timeline.fps);
  const [problem, setProblem] = useState<string | null>(null);
  const empty = timeline.keyframes.length === 0;
  const frames = empty ? 0 : frameCount({ ...timeline, fps });

  const start = () => {
    const { exportScale, exportFilter } = studioStore.getState();
    try {
      void exportVideo(studioStore.getState().timeline, { format, fps, scale: exportScale, filter: exportFilter });
      setProblem(null);
    } catch (error) {
      if (!(error instanceof TimelineError) && !(error instanceof RangeError)) throw error;
      setProblem(`${error.message}.`);
    }
  };

  return (
    <ExportPopover label="Video export" onClose={onClose} testId="export-video-panel">
      <form
        className="export-fields"
        onSubmit={(e) => {
          e.preventDefault();
          start();
        }}
      >
        <label>
          Format
          <select data-testid="export-video-format" value={format} onChange={(e) => setFormat(e.target.value as VideoFormat)}>
            {FORMATS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          fps
          <input
            data-testid="export-video-fps"
            type="number"
            min={1}
            max={format === 'gif' ? GIF_MAX_FPS : 240}
            value={fps}
            onChange={(e) => Number(e.target.value) > 0 && setFps(Number(e.target.value))}
          />
        </label>
        <ScaleControls />
        <p className="muted" data-testid="export-video-summary">
          {empty
            ? 'Add keyframes to the timeline first (◆ + Keyframe).'
            : `${frames} frames · ${timelineDuration(timeline).toFixed(2)} s · ${resolution * scale}×${resolution * scale} px`}
        </p>
        <button type="submit" data-testid="export-video-start" disabled={busy || empty}>
          Export {format.toUpperCase()}
        </button>
      </form>
      {problem && (
        <p className="hint" role="alert">
          {problem}
        </p>
      )}
    </ExportPopover>
  );
}
