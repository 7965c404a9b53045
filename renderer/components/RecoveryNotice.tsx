import { discardRecovery, restoreRecovery } from '../project/project';
import { useStudio } from '../store';

/** The offer to restore the work a crashed session autosaved (not modal: the studio works meanwhile). */
export function RecoveryNotice() {
  const recovery = useStudio((s) => s.recovery);
  if (!recovery) return null;
  const when = new Date(recovery.savedAt).toLocaleString();
  return (
    <div className="recovery-notice" role="region" aria-label="Unsaved work from the last session" data-testid="recovery-notice">
      <span>
        Latent Studio did not close normally last time. Your work autosaved at {when} ({recovery.project.model.name}) can be restored.
      </span>
      <button type="button" data-testid="recovery-restore" onClick={restoreRecovery}>
        Restore
      </button>
      <button type="button" data-testid="recovery-discard" onClick={() => void discardRecovery()}>
        Discard
      </button>
    </div>
  );
}
