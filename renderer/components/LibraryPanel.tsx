import { useState } from 'react';
import type { ModelEntry } from '../../app/contract/channels';
import { deleteModel, renameModel, revealModel } from '../library/model-library';
import { useStudio } from '../store';

const FAMILY = { stylegan: 'StyleGAN', conditional: 'conditional', plain: 'plain' } as const;

function LibraryItem({ model, current }: { model: ModelEntry; current: boolean }) {
  const selectModel = useStudio((s) => s.selectModel);
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(model.name);
  const [confirming, setConfirming] = useState(false);
  const imported = model.source === 'library';
  const canReveal = useStudio((s) => imported && Boolean(s.hostInfo?.capabilities.revealFiles));

  const commit = () => {
    setRenaming(false);
    if (name.trim() !== '' && name.trim() !== model.name) void renameModel(model.id, name.trim());
    else setName(model.name);
  };

  return (
    <li className="library-item" data-testid="library-item" data-model-id={model.id} aria-current={current || undefined}>
      {renaming ? (
        <input
          aria-label={`New name for ${model.name}`}
          data-testid="library-rename-input"
          value={name}
          autoFocus
          maxLength={200}
          onChange={(e) => setName(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commit();
            if (e.key === 'Escape') {
              setName(model.name);
              setRenaming(false);
            }
          }}
        />
      ) : (
        <button type="button" className="library-name" onClick={() => selectModel(model.id)} title={`Open ${model.name} (${model.id})`}>
          {model.name}
        </button>
      )}
      <span className="library-meta">
        {FAMILY[model.family]} · {model.manifest.resolution} px · {imported ? 'imported' : 'bundled'}
      </span>
      {imported && !confirming && (
        <span className="library-actions">
          <button type="button" data-testid="library-rename" aria-label={`Rename ${model.name}`} onClick={() => setRenaming(true)}>
            Rename
          </button>
          {canReveal && (
            <button type="button" data-testid="library-reveal" aria-label={`Show ${model.name} in its folder`} onClick={() => void revealModel(model.id)}>
              Show folder
            </button>
          )}
          <button type="button" data-testid="library-delete" aria-label={`Delete ${model.name}`} onClick={() => setConfirming(true)}>
            Delete
          </button>
        </span>
      )}
      {confirming && (
        <span className="library-actions" role="group" aria-label={`Delete ${model.name}?`}>
          Move to the trash?
          <button type="button" data-testid="library-delete-confirm" onClick={() => void deleteModel(model.id)}>
            Delete
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Keep
          </button>
        </span>
      )}
    </li>
  );
}

/** The model library: every model the studio can open, with rename, delete and reveal for imported ones. */
export function LibraryPanel() {
  const open = useStudio((s) => s.libraryOpen);
  const setOpen = useStudio((s) => s.setLibraryOpen);
  const models = useStudio((s) => s.models);
  const modelId = useStudio((s) => s.modelId);
  const problems = useStudio((s) => s.libraryProblems);
  const folders = useStudio((s) => Boolean(s.hostInfo?.capabilities.filePaths));
  if (!open) return null;
  return (
    <aside id="library-panel" className="library-panel" aria-label="Model library">
      <div className="library-header">
        <h2>Library</h2>
        <button type="button" aria-label="Close library" onClick={() => setOpen(false)}>
          ×
        </button>
      </div>
      <p className="library-hint">
        Drop a model package {folders ? 'folder, ' : ''}a .zip of one, a single .onnx, an NVIDIA .pkl or a BigGAN folder{folders ? '' : ' (zipped)'} anywhere on the window to import it.
      </p>
      <ul className="library-list" data-testid="library-list" aria-label="Models">
        {models.map((m) => (
          <LibraryItem key={`${m.id}:${m.name}`} model={m} current={m.id === modelId} />
        ))}
      </ul>
      {problems.length > 0 && (
        <div className="library-problems" role="note" data-testid="library-problems">
          <h3>Not listed</h3>
          <ul>
            {problems.map((p) => (
              <li key={p.dir}>
                <code>{p.dir}</code>: {p.message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </aside>
  );
}
