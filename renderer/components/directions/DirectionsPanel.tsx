/**
 * The EDITS panel: attribute sliders of the open model and the ways to make them, one part per
 * file beside this one (sources, the slider list, teaching by example).
 */
import { useEffect } from 'react';
import { watchDirections } from '../../directions/directions';
import { useStudio } from '../../store';
import { DirectionSources } from './DirectionSources';
import { DirectionList } from './DirectionList';
import { TeachSection } from './TeachSection';

/** EDITS: attribute sliders of the open model, and the ways to make them. */
export function DirectionsPanel() {
  useEffect(() => watchDirections(), []);
  const hasModel = useStudio((s) => s.modelId !== null);
  return (
    <aside className="panel panel-right" data-testid="directions-panel" aria-label="Edits">
      <h2>Edits</h2>
      {hasModel && (
        <>
          <DirectionSources />
          <DirectionList />
          <TeachSection />
        </>
      )}
    </aside>
  );
}
