import { TopBar } from './TopBar';
import { LatentPanel } from './LatentPanel';
import { Preview } from './Preview';
import { LatentMap } from '../map/LatentMap';
import { ErrorBanner } from './ErrorBanner';
import { Timeline } from './Timeline';
import { AudioPanel } from './AudioPanel';
import { DirectionsPanel } from './directions/DirectionsPanel';
import { usePngDrop } from '../export/drop';
import { useFileDrop } from '../platform/file-drop';
import { RecoveryNotice } from './RecoveryNotice';
import { ImportDialog } from './ImportDialog';

/** The studio window: top bar, latent controls on the left, the picture large in the middle with the latent map under it, the timeline below. */
export function App() {
  usePngDrop();
  useFileDrop();
  return (
    <div className="studio">
      <TopBar />
      <ErrorBanner />
      <RecoveryNotice />
      <main className="workspace">
        <LatentPanel />
        <div className="centre">
          <Preview />
          <LatentMap />
        </div>
        <DirectionsPanel />
      </main>
      <Timeline />
      <AudioPanel />
      <ImportDialog />
    </div>
  );
}
