/**
 * AUDIO, under the timeline: open a track (or record one), see its waveform and analysed lanes,
 * and map its features to the studio's controls. Play (in the timeline bar) then plays the track
 * with the mappings applied; the video export renders and muxes it.
 */
import { useEffect, useRef, useState } from 'react';
import { analyseStudioTrack } from '../audio/analyse';
import { canRecord, openAudioFile, startRecording, type Recording } from '../audio/open';
import { drawWaveform } from '../audio/waveform';
import { useStudio } from '../store';
import { MappingRow } from './MappingRow';

/** Audio file types offered by the chooser (anything decodeAudioData reads also opens). */
const ACCEPT = 'audio/*,.wav,.mp3,.ogg,.opus,.flac,.m4a';

function Waveform() {
  const track = useStudio((s) => s.audioTrack);
  const features = useStudio((s) => s.audioFeatures);
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current || !track) return;
    const element = canvas.current;
    const paint = () => drawWaveform(element, track.buffer, features);
    paint();
    const observer = new ResizeObserver(paint);
    observer.observe(element);
    return () => observer.disconnect();
  }, [track, features]);
  if (!track) return null;
  return (
    <canvas
      ref={canvas}
      className="audio-waveform"
      data-testid="audio-waveform"
      data-frames={features?.frameCount ?? 0}
      role="img"
      aria-label={`Waveform of ${track.name}${features ? `, ${features.onsets.length} onsets, tempo ${features.tempo ? `${features.tempo.toFixed(1)} BPM` : 'unknown'}` : ''}`}
    />
  );
}

/** The AUDIO panel. */
export function AudioPanel() {
  const track = useStudio((s) => s.audioTrack);
  const status = useStudio((s) => s.audioStatus);
  const count = useStudio((s) => s.audioMappings.length);
  const addMapping = useStudio((s) => s.addMapping);
  const fps = useStudio((s) => s.timeline.fps);
  const showError = useStudio((s) => s.showError);
  const input = useRef<HTMLInputElement>(null);
  const [recording, setRecording] = useState<Recording | null>(null);

  // Features are frame-aligned: a new fps needs them again.
  useEffect(() => {
    if (track) void analyseStudioTrack();
  }, [fps, track]);

  const record = async () => {
    if (recording) {
      setRecording(null);
      await recording.stop().catch((error: Error) => showError(`The recording could not be kept: ${error.message}. Record again.`));
      return;
    }
    try {
      setRecording(await startRecording());
    } catch (error) {
      showError(`Could not record from an input device: ${(error as Error).message}. Allow microphone access, or open an audio file instead.`);
    }
  };

  return (
    <section className="audio-panel" aria-label="Audio">
      <div className="timeline-controls">
        <strong>Audio</strong>
        <button type="button" data-testid="audio-open" onClick={() => input.current?.click()} disabled={recording !== null}>
          ♪ Open audio…
        </button>
        <input
          ref={input}
          type="file"
          data-testid="audio-input"
          aria-label="Audio file"
          accept={ACCEPT}
          hidden
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void openAudioFile(file);
          }}
        />
        {canRecord() && (
          <button type="button" data-testid="audio-record" aria-pressed={recording !== null} onClick={() => void record()}>
            {recording ? '■ Stop recording' : '● Record input'}
          </button>
        )}
        <span className="muted" data-testid="audio-status" role="status">
          {track ? `${track.name} · ${track.buffer.duration.toFixed(2)} s${status ? ` · ${status}` : ''}` : (status ?? 'No track: open one to drive the picture with sound.')}
        </span>
        <button type="button" data-testid="mapping-add" onClick={() => addMapping()} title="Map a feature of the track to a control">
          + Mapping
        </button>
      </div>
      <Waveform />
      {count > 0 && (
        <div className="mappings" role="list" aria-label="Audio mappings">
          {Array.from({ length: count }, (_, i) => (
            <div role="listitem" key={i}>
              <MappingRow index={i} />
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
