import { useEffect, useRef } from 'react';
import type { BackendPreference } from '../../app/inference/runner';
import { studioStore, useStudio } from '../store';
import { ExportMenu } from './ExportMenu';
import { BlendWorkshop } from './workshop/BlendDialog';
import { ProjectBar } from './ProjectBar';
import { InvertAction } from './invert/InvertDialog';

const BACKEND_LABEL = { webgpu: 'WebGPU', wasm: 'WASM', native: 'native' } as const;

/** Frame time, written straight into the DOM on every frame (no React render per frame). */
function FrameMs() {
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(
    () =>
      studioStore.subscribe((s) => {
        if (ref.current) ref.current.textContent = s.frameMs === null ? '– ms' : `${s.frameMs.toFixed(1)} ms`;
      }),
    [],
  );
  return (
    <span className="frame-ms" data-testid="frame-ms" ref={ref} aria-label="Inference time per frame">
      – ms
    </span>
  );
}

/** Model picker, backend badge and override, frame time; export on the right. */
export function TopBar() {
  const models = useStudio((s) => s.models);
  const modelId = useStudio((s) => s.modelId);
  const selectModel = useStudio((s) => s.selectModel);
  const backend = useStudio((s) => s.backend);
  const provider = useStudio((s) => s.provider);
  const precision = useStudio((s) => s.precision);
  const fallbackReason = useStudio((s) => s.fallbackReason);
  const preference = useStudio((s) => s.preference);
  const setPreference = useStudio((s) => s.setPreference);
  const nativeInference = useStudio((s) => Boolean(s.hostInfo?.capabilities.nativeInference));
  const status = useStudio((s) => s.modelStatus);

  return (
    <header className="topbar">
      <span className="brand">Latent Studio</span>
      <label className="field-inline">
        <span className="visually-hidden">Model</span>
        <select
          data-testid="model-select"
          aria-label="Model"
          value={modelId ?? ''}
          onChange={(e) => selectModel(e.target.value)}
          disabled={models.length === 0}
        >
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
      </label>
      <span
        className={`backend-badge backend-${backend ?? 'none'}`}
        data-testid="backend-badge"
        data-backend={backend ?? ''}
        data-precision={backend ? precision : ''}
        role="status"
        aria-label="Inference backend"
        title={fallbackReason ?? undefined}
      >
        {status === 'loading' ? 'loading…' : backend ? `${BACKEND_LABEL[backend]}${provider ? ` (${provider})` : ''}${precision === 'fp16' ? ' · fp16' : ''}` : '—'}
      </span>
      <label className="field-inline">
        <span className="visually-hidden">Backend preference</span>
        <select
          data-testid="backend-select"
          aria-label="Backend preference"
          value={preference}
          onChange={(e) => setPreference(e.target.value as BackendPreference)}
        >
          <option value="auto">Auto</option>
          <option value="webgpu">WebGPU</option>
          <option value="wasm">WASM</option>
          {/* onnxruntime-node in a process of its own, where the host has it installed. */}
          {nativeInference && <option value="native">Native</option>}
        </select>
      </label>
      <FrameMs />
      <InvertAction />
      <ExportMenu />
      <BlendWorkshop />
      <ProjectBar />
    </header>
  );
}
