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
}

/** A labelled range input with its value shown in the label, as every studio slider field looks. */
export function SliderField({ id, label, value, min, max, step, digits, unit = '', disabled, onChange }: SliderFieldProps) {
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
      />
    </div>
  );
}
