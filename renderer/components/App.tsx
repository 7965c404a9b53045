import { TopBar } from './TopBar';
import { LatentPanel } from './LatentPanel';
import { Preview } from './Preview';
import { ErrorBanner } from './ErrorBanner';
import { Timeline } from './Timeline';

/** The studio window: top bar, latent controls on the left, the picture large in the middle, the timeline below. */
export function App() {
  return (
    <div className="studio">
      <TopBar />
      <ErrorBanner />
      <main className="workspace">
        <LatentPanel />
        <Preview />
      </main>
      <Timeline />
    </div>
  );
}
