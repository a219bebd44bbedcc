interface Props {
  verb: string;
  count: number;
  outDir: string;
  onOutDir(value: string): void;
  disabled: boolean;
  error: string | null;
}

/** The end of every job form: where results go, the start button, and why starting failed. */
export function JobFormTail({ verb, count, outDir, onOutDir, disabled, error }: Props) {
  return (
    <>
      <label className="grow">
        Output folder
        <input
          placeholder="a “pixelsmith” folder next to each photo"
          value={outDir}
          onChange={(e) => onOutDir(e.target.value)}
        />
      </label>
      <button type="submit" className="button primary" disabled={disabled}>
        {verb} {count} photo{count === 1 ? '' : 's'}
      </button>
      {error && (
        <p role="alert" className="error-message full">
          {error}
        </p>
      )}
    </>
  );
}
