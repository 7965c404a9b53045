/**
 * The LIVE section: MIDI learn, OSC reception (port, on/off, what was ignored), the list of
 * bindings with a remove button each, and the performance output. The work is in renderer/live/.
 */
import { useEffect, useState } from 'react';
import { controlTargets, targetKey } from '../../app/control/targets';
import { oscPortSchema } from '../../app/control/live';
import { bindingInput, selectTargetMix } from '../store/slices/live';
import { studioStore, useStudio } from '../store';
import { ensureMidi, setOscListening } from '../live/controller';
import { openPerformWindow } from '../live/perform';

/** The label of each target the open model offers, by targetKey. */
function useTargetLabels(): Map<string, string> {
  // The labels depend on the mixing sources only: selecting the whole latent re-rendered this
  // panel (its OSC and binding rows too) on every ψ step of a drag.
  const mix = useStudio(selectTargetMix);
  const manifest = useStudio((s) => s.models.find((m) => m.id === s.modelId)?.manifest);
  const directions = useStudio((s) => (s.directionsModelId === s.modelId ? s.directions : null));
  const keyframes = useStudio((s) => s.timeline.keyframes);
  if (!manifest) return new Map();
  const choices = controlTargets({ mix }, { model: manifest, directions: directions ?? [], keyframes: keyframes.map((k) => k.state) });
  return new Map(choices.map((c) => [targetKey(c.target), c.label]));
}

function OscFields() {
  const port = useStudio((s) => s.live.oscPort);
  const status = useStudio((s) => s.oscStatus);
  const [text, setText] = useState(String(port));
  useEffect(() => setText(String(port)), [port]);
  const listening = status?.listening ?? false;
  return (
    <>
      <div className="field">
        <label htmlFor="osc-port">OSC port (UDP, 127.0.0.1)</label>
        <div className="row">
          <input
            id="osc-port"
            data-testid="osc-port"
            type="number"
            min={1024}
            max={65535}
            step={1}
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              const parsed = oscPortSchema.safeParse(Number(e.target.value));
              if (parsed.success) studioStore.getState().setOscPort(parsed.data);
            }}
          />
          <label className="field-inline">
            <input type="checkbox" data-testid="osc-listen" checked={listening} onChange={(e) => void setOscListening(e.target.checked)} />
            Receive
          </label>
        </div>
      </div>
      <p className="muted" data-testid="osc-status" role="status">
        {status?.error ?? (listening ? `Listening on 127.0.0.1:${status?.port}` : 'OSC is off')}
      </p>
    </>
  );
}

/** The LIVE section. */
export function LivePanel() {
  const learning = useStudio((s) => s.learning);
  const learnTarget = useStudio((s) => s.learnTarget);
  const bindings = useStudio((s) => s.live.bindings);
  const ignored = useStudio((s) => s.liveIgnored + (s.oscStatus?.malformed ?? 0));
  const labels = useTargetLabels();
  const learnNote = !learning ? null : learnTarget ? `Move a MIDI control or send an OSC address to bind “${learnTarget.label}”.` : 'Touch a control in the studio to bind it.';
  return (
    <section className="live-panel" aria-label="Live control">
      <h2>Live</h2>
      <div className="row">
        <button
          type="button"
          data-testid="midi-learn"
          aria-pressed={learning}
          title="Touch a control, then move a MIDI knob (or send an OSC address): they are bound"
          onClick={() => {
            studioStore.getState().setLearning(!learning);
            if (!learning) ensureMidi();
          }}
        >
          {learning ? 'Learning…' : 'MIDI learn'}
        </button>
        <button type="button" data-testid="perform-open" title="A second, full-screen output showing only the picture" onClick={() => void openPerformWindow()}>
          Perform
        </button>
      </div>
      {learnNote && (
        <p className="muted" data-testid="learn-status" role="status">
          {learnNote}
        </p>
      )}
      <OscFields />
      <p className="muted" data-testid="live-ignored" title="MIDI and OSC input the studio could not use: malformed packets, unknown addresses, arguments of the wrong type">
        Ignored inputs: {ignored}
      </p>
      <ul className="bindings" aria-label="Live bindings">
        {bindings.map((binding, index) => {
          const input = bindingInput(binding);
          const label = labels.get(targetKey(binding.target)) ?? targetKey(binding.target);
          return (
            <li key={`${input}-${index}`} className="binding" data-testid="live-binding">
              <span title={`${input} → ${label}`}>
                {input} → {label}
              </span>
              <button type="button" data-testid="live-binding-remove" aria-label={`Remove the binding of ${input}`} onClick={() => studioStore.getState().removeBinding(index)}>
                ✕
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
