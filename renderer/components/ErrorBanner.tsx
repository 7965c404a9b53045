import { useStudio } from '../store';

/** The one place errors appear. */
export function ErrorBanner() {
  const error = useStudio((s) => s.error);
  const clearError = useStudio((s) => s.clearError);
  if (!error) return null;
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      <span>{error}</span>
      <button type="button" onClick={clearError} aria-label="Dismiss error">
        ×
      </button>
    </div>
  );
}
