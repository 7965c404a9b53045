import type { ControlTarget } from '../../app/control/targets';
import { learnProps } from '../live/learn';

/** What a {@link SliderField} shows and changes. */
export interface SliderFieldProps {
  /** The input's id and data-testid. */
  id: string;
  /** The label's text; the value is shown after it and is part of the slider's accessible name. */
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  /** Decimals of the value as shown. */
  digits: number;
  /** Written after the shown value, e.g. "°". */
  unit?: string;
  disabled?: boolean;
  onChange: (value: number) => void;
  /** The control a MIDI/OSC binding can drive through this slider (it announces itself in learn mode). */
  control?: { target: ControlTarget; label: string };
}

/** A labelled range input with its value shown in the label, as every studio slider field looks. */
export function SliderField({ id, label, value, min, max, step, digits, unit = '', disabled, onChange, control }: SliderFieldProps) {
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}{' '}
        <output htmlFor={id}>
          {value.toFixed(digits)}
          {unit}
        </output>
      </label>
      <input
        id={id}
        data-testid={id}
        type="range"
        min={min}
        max={max}
        step={step}
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(Number(e.target.value))}
        {...(control ? learnProps(control.target, control.label) : {})}
      />
    </div>
  );
}
