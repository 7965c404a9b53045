import { useEffect, useState } from 'react';
import { MAX_SEED } from '../store';

/** A seed field that accepts only whole numbers 0 … 2^32 − 1 and commits each valid edit at once. */
export function SeedInput(props: { id: string; testId: string; label: string; value: number; onChange(seed: number): void }) {
  const [text, setText] = useState(String(props.value));
  useEffect(() => setText(String(props.value)), [props.value]);
  const valid = /^\d+$/.test(text) && Number(text) <= MAX_SEED;
  return (
    <>
      <input
        id={props.id}
        data-testid={props.testId}
        aria-label={props.label}
        type="number"
        inputMode="numeric"
        min={0}
        max={MAX_SEED}
        step={1}
        value={text}
        aria-invalid={!valid}
        onChange={(e) => {
          setText(e.target.value);
          if (/^\d+$/.test(e.target.value) && Number(e.target.value) <= MAX_SEED) props.onChange(Number(e.target.value));
        }}
      />
      {!valid && <p className="hint">A seed is a whole number from 0 to {MAX_SEED}.</p>}
    </>
  );
}
