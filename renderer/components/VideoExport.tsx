import { useEffect, useState } from 'react';
import { audioCodecFor } from '../export/video';
import { audioFrameRange, exportAudioVideo } from '../export/audio-video';
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
  const track = useStudio((s) => s.audioTrack);
  const [withAudio, setWithAudio] = useState(true);
  const [from, setFrom] = useState(0);
  const [to, setTo] = useState<number | null>(null);
  const [codecNote, setCodecNote] = useState<string | null>(null);
  const sound = track !== null && withAudio && format !== 'gif';
  const duration = track?.buffer.duration ?? 0;
  const range = audioFrameRange(duration, fps, from, to ?? duration);
  const empty = !sound && timeline.keyframes.length === 0;
  const frames = sound ? range.count : empty ? 0 : frameCount({ ...timeline, fps });

  // Say before the export which codec the sound will have: Debian's Chromium, for one, has no AAC encoder.
  useEffect(() => {
    if (!sound || !track) return setCodecNote(null);
    let current = true;
    audioCodecFor(format, track.buffer).then(
      (codec) => current && setCodecNote(codec === 'aac' ? 'Sound: AAC.' : format === 'mp4' ? 'This browser cannot encode AAC: the MP4 gets Opus sound (VLC, ffmpeg and Chromium play it; QuickTime may not). WebM also carries Opus.' : 'Sound: Opus.'),
      (error: Error) => current && setCodecNote(`${error.message}.`),
    );
    return () => {
      current = false;
    };
  }, [sound, format, track]);

  const start = () => {
    const { exportScale, exportFilter } = studioStore.getState();
    try {
      if (sound) void exportAudioVideo({ format, fps, scale: exportScale, filter: exportFilter, start: from, end: to ?? duration });
      else void exportVideo(studioStore.getState().timeline, { format, fps, scale: exportScale, filter: exportFilter });
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
        {track && (
          <fieldset className="export-audio">
            <label>
              <input type="checkbox" data-testid="export-video-audio" checked={withAudio} disabled={format === 'gif'} onChange={(e) => setWithAudio(e.target.checked)} />
              {format === 'gif' ? 'GIF has no sound: the timeline is exported' : `With the track (${track.name}) and its mappings`}
            </label>
            {sound && (
              <>
                <label>
                  From (s)
                  <input data-testid="export-audio-start" type="number" min={0} max={duration} step={0.1} value={from} onChange={(e) => setFrom(Math.max(0, Number(e.target.value)))} />
                </label>
                <label>
                  to (s)
                  <input data-testid="export-audio-end" type="number" min={0} max={duration} step={0.1} value={to ?? Number(duration.toFixed(3))} onChange={(e) => setTo(Number(e.target.value))} />
                </label>
                {codecNote && (
                  <p className="muted" data-testid="export-audio-codec">
                    {codecNote}
                  </p>
                )}
              </>
            )}
          </fieldset>
        )}
        <p className="muted" data-testid="export-video-summary">
          {empty
            ? 'Add keyframes to the timeline first (◆ + Keyframe), or open an audio track.'
            : `${frames} frames · ${sound ? (range.count / fps).toFixed(2) : timelineDuration(timeline).toFixed(2)} s · ${resolution * scale}×${resolution * scale} px`}
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
