import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { checkTimeline, frameCount, timelineDuration, TimelineError, type Easing, type Interpolation, type LoopMode } from '../../app/state/timeline';
import { audioFrameLead, inference, showAudioFrame, showCurrentState, showPlaybackFrame } from '../inference/studio';
import { audioFrameState } from '../audio/frames';
import { audioTime, playAudio, stopAudio } from '../audio/playback';
import { studioStore, useStudio } from '../store';

const EASINGS: Easing[] = ['linear', 'ease-in-out', 'ease-in', 'ease-out'];

/**
 * Playback: renders the timeline's frames as a background job and shows them at the timeline's
 * fps. The first pass fills a cache, so loops replay without rendering again; any change to the
 * timeline or the model stops playback.
 */
function usePlayback() {
  const playing = useStudio((s) => s.playing);
  const timeline = useStudio((s) => s.timeline);
  const modelId = useStudio((s) => s.modelId);
  const setPlaying = useStudio((s) => s.setPlaying);
  const showError = useStudio((s) => s.showError);
  const timelineRef = useRef(timeline);

  useEffect(() => {
    if (timelineRef.current !== timeline || !modelId) setPlaying(false);
    timelineRef.current = timeline;
  }, [timeline, modelId, setPlaying]);

  useEffect(() => {
    if (!playing) return;
    const { audioTrack } = studioStore.getState();
    if (audioTrack) return playAudioDriven(audioTrack.buffer, () => setPlaying(false), showError);
    const t = studioStore.getState().timeline;
    try {
      checkTimeline(t);
    } catch (error) {
      if (!(error instanceof TimelineError)) throw error;
      showError(`Cannot play: ${error.message}.`);
      setPlaying(false);
      return;
    }
    const total = frameCount(t);
    const frames: (ImageData | undefined)[] = new Array(total);
    const job = inference().runJob({ kind: 'render-timeline', params: { timeline: t, first: 0, last: total - 1 } }, ({ index, image }) => {
      frames[index] = new ImageData(new Uint8ClampedArray(image.data), image.width, image.height);
    });
    job.done.catch((error: Error) => {
      showError(`Playback failed: ${error.message}`);
      setPlaying(false);
    });
    let next = 0;
    let last = performance.now();
    let raf = 0;
    const tick = (now: number) => {
      // Advance one frame per 1/fps seconds, but never past a frame that is not rendered yet.
      if (now - last >= 1000 / t.fps && frames[next]) {
        showPlaybackFrame(frames[next]!, next);
        last = now;
        next += 1;
        if (next >= total) {
          if (t.loop === 'none') return setPlaying(false);
          next = 0;
        }
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => {
      cancelAnimationFrame(raf);
      job.cancel();
      showCurrentState();
    };
  }, [playing, setPlaying, showError]);
}

/**
 * Audio-driven playback: the track plays and each animation frame asks for the frame the listener
 * will hear when it is drawn (the audio clock plus the recent render time; frames that cannot keep
 * up are skipped, never the sound). Returns the stopper.
 */
function playAudioDriven(buffer: AudioBuffer, ended: () => void, showError: (message: string) => void): () => void {
  let raf = 0;
  let shown = -1;
  const tick = () => {
    const s = studioStore.getState();
    const time = audioTime();
    const features = s.audioFeatures;
    if (time !== null && features) {
      const frame = Math.min(features.frameCount - 1, Math.floor((time + audioFrameLead()) * features.fps));
      if (frame !== shown) {
        showAudioFrame(audioFrameState(s, features, frame), frame);
        shown = frame;
      }
    }
    raf = requestAnimationFrame(tick);
  };
  playAudio(buffer, 0, ended).then(
    () => (raf = requestAnimationFrame(tick)),
    (error: Error) => {
      showError(`Cannot play the audio: ${error.message}. Click Play again.`);
      ended();
    },
  );
  return () => {
    cancelAnimationFrame(raf);
    stopAudio();
    showCurrentState();
  };
}

/** The timeline bar: keyframes ◆ laid out by duration, their easing and timing, loop and playback. */
export function Timeline() {
  const timeline = useStudio((s) => s.timeline);
  const selected = useStudio((s) => s.selectedKeyframe);
  const playing = useStudio((s) => s.playing);
  const hasTrack = useStudio((s) => s.audioTrack !== null);
  const family = useStudio((s) => s.models.find((m) => m.id === s.modelId)?.family);
  // Actions never change: a shallow pick keeps per-frame store updates from re-rendering the bar.
  const actions = useStudio(
    useShallow((s) => ({
      addKeyframe: s.addKeyframe,
      removeKeyframe: s.removeKeyframe,
      moveKeyframe: s.moveKeyframe,
      setKeyframe: s.setKeyframe,
      selectKeyframe: s.selectKeyframe,
      setTimelineOptions: s.setTimelineOptions,
      setPlaying: s.setPlaying,
      setLatent: s.setLatent,
    })),
  );
  usePlayback();

  const { keyframes } = timeline;
  const current = selected === null ? undefined : keyframes[selected];
  const seconds = timelineDuration(timeline);

  return (
    <section className="timeline-bar" aria-label="Timeline">
      <div className="timeline-controls">
        <button type="button" data-testid="keyframe-add" onClick={actions.addKeyframe} title="Add the current latent as a keyframe">
          ◆ + Keyframe
        </button>
        <button
          type="button"
          data-testid="play"
          aria-pressed={playing}
          disabled={keyframes.length === 0 && !hasTrack}
          title={hasTrack ? 'Play the track with its mappings' : undefined}
          onClick={() => actions.setPlaying(!playing)}
        >
          {playing ? '❚❚ Pause' : '▶ Play'}
        </button>
        <label>
          Interpolation
          <select
            data-testid="timeline-interpolation"
            value={timeline.interpolation}
            onChange={(e) => actions.setTimelineOptions({ interpolation: e.target.value as Interpolation })}
          >
            <option value="w-cubic" disabled={family !== 'stylegan'}>
              Cubic in W
            </option>
            <option value="w-linear" disabled={family !== 'stylegan'}>
              Linear in W
            </option>
            <option value="z-slerp">Slerp in z</option>
          </select>
        </label>
        <label>
          Loop
          <select data-testid="timeline-loop" value={timeline.loop} onChange={(e) => actions.setTimelineOptions({ loop: e.target.value as LoopMode })}>
            <option value="close">Perfect loop (close the path)</option>
            <option value="circular">Circular loop</option>
            <option value="noise">Noise loop</option>
            <option value="none">No loop</option>
          </select>
        </label>
        <label>
          fps
          <input
            data-testid="timeline-fps"
            type="number"
            min={1}
            max={240}
            value={timeline.fps}
            onChange={(e) => Number(e.target.value) > 0 && actions.setTimelineOptions({ fps: Math.round(Number(e.target.value)) })}
          />
        </label>
        <span className="timeline-length" aria-label="Timeline length">
          {seconds.toFixed(1)} s · {keyframes.length > 0 ? frameCount(timeline) : 0} frames
        </span>
      </div>
      <ol className="timeline" data-testid="timeline" aria-label="Keyframes">
        {keyframes.map((k, i) => (
          <li key={k.id} style={{ flexGrow: k.duration }}>
            <button
              type="button"
              className="keyframe"
              data-testid="keyframe"
              aria-pressed={selected === i}
              aria-label={`Keyframe ${i + 1}: seed ${k.state.seed}, ψ ${k.state.psi}`}
              onClick={() => {
                actions.selectKeyframe(i);
                actions.setLatent(k.state);
              }}
            >
              ◆ <span>{k.state.seed}</span>
            </button>
            <span className="segment" aria-hidden="true" />
          </li>
        ))}
      </ol>
      {current && selected !== null && (
        <div className="keyframe-details" aria-label={`Keyframe ${selected + 1}`}>
          <label>
            Duration (s)
            <input
              data-testid="keyframe-duration"
              type="number"
              min={0.1}
              step={0.1}
              value={current.duration}
              onChange={(e) => Number(e.target.value) > 0 && actions.setKeyframe(selected, { duration: Number(e.target.value) })}
            />
          </label>
          <label>
            Easing
            <select data-testid="keyframe-easing" value={current.easing} onChange={(e) => actions.setKeyframe(selected, { easing: e.target.value as Easing })}>
              {EASINGS.map((e) => (
                <option key={e} value={e}>
                  {e}
                </option>
              ))}
            </select>
          </label>
          <button type="button" aria-label="Move keyframe earlier" disabled={selected === 0} onClick={() => actions.moveKeyframe(selected, selected - 1)}>
            ◀
          </button>
          <button
            type="button"
            aria-label="Move keyframe later"
            disabled={selected === keyframes.length - 1}
            onClick={() => actions.moveKeyframe(selected, selected + 1)}
          >
            ▶
          </button>
          <button type="button" data-testid="keyframe-delete" onClick={() => actions.removeKeyframe(selected)}>
            Delete
          </button>
        </div>
      )}
    </section>
  );
}
