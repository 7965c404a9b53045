import type { Slice } from '../types';

/** The one place errors are shown (role="alert"). */
export interface ErrorSlice {
  error: string | null;
  showError(message: string): void;
  clearError(): void;
}

export const errorSlice: Slice<ErrorSlice> = (set) => ({
  error: null,
  showError: (error) => set({ error }),
  clearError: () => set({ error: null }),
});
