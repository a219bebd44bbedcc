import { useState, type FormEvent } from 'react';
import { useStartJob } from '../useStartJob.js';

const FORMATS = [
  ['same', 'Same as original'],
  ['jpg', 'JPEG'],
  ['png', 'PNG'],
  ['webp', 'WebP'],
  ['avif', 'AVIF'],
  ['tiff', 'TIFF'],
] as const;
type Format = (typeof FORMATS)[number][0];

interface Props {
  roots: string[];
  count: number;
  onStarted(jobId: string): void;
}

/** Resize / change format of the current selection as a job in the Queue. */
export function ConvertBar({ roots, count, onStarted }: Props) {
  const [format, setFormat] = useState<Format>('webp');
  const [quality, setQuality] = useState(85);
  const [maxSize, setMaxSize] = useState('');
  const [outDir, setOutDir] = useState('');
  const { busy, error, start: startJob } = useStartJob(onStarted);

  const start = (event: FormEvent) => {
    event.preventDefault();
    startJob({
      kind: 'convert',
      options: { format, quality, ...(maxSize.trim() !== '' && { maxSize: Number(maxSize) }) },
      paths: roots,
      ...(outDir.trim() !== '' && { outDir: outDir.trim() }),
      priority: 'interactive',
    });
  };


  return (
    <form className="convert-bar" aria-label="Convert" onSubmit={start}>
      <label>
        Format
        <select value={format} onChange={(e) => setFormat(e.target.value as Format)}>
          {FORMATS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Quality
        <input type="number" min={1} max={100} value={quality} onChange={(e) => setQuality(Number(e.target.value))} />
      </label>
      <label>
        Longest side (px)
        <input type="number" min={16} placeholder="unchanged" value={maxSize} onChange={(e) => setMaxSize(e.target.value)} />
      </label>
      <label className="grow">
        Output folder
        <input placeholder="a “pixelsmith” folder next to each photo" value={outDir} onChange={(e) => setOutDir(e.target.value)} />
      </label>
      <button type="submit" className="button primary" disabled={busy || roots.length === 0}>
        Convert {count} photo{count === 1 ? '' : 's'}
      </button>
      {error && (
        <p role="alert" className="error-message full">
          {error}
        </p>
      )}
    </form>
  );
}
