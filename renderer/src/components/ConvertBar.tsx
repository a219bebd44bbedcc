import { useState, type FormEvent } from 'react';
import { useStartJob } from '../useStartJob.js';
import { CONVERT_FORMATS } from '../../../core/contract/convert.js';
import { FORMAT_LABELS } from '../formatLabels.js';
import { JobFormTail } from './JobFormTail.js';

type Format = (typeof CONVERT_FORMATS)[number];

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
          {CONVERT_FORMATS.map((value) => (
            <option key={value} value={value}>
              {FORMAT_LABELS[value]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Quality
        <input
          type="number"
          min={1}
          max={100}
          value={quality}
          onChange={(e) => setQuality(Number(e.target.value))}
        />
      </label>
      <label>
        Longest side (px)
        <input
          type="number"
          min={16}
          placeholder="unchanged"
          value={maxSize}
          onChange={(e) => setMaxSize(e.target.value)}
        />
      </label>
      <JobFormTail
        verb="Convert"
        count={count}
        outDir={outDir}
        onOutDir={setOutDir}
        disabled={busy || roots.length === 0}
        error={error}
      />
    </form>
  );
}
