import { useState, type FormEvent } from 'react';
import { useStartJob } from '../useStartJob.js';
import { JobFormTail } from './JobFormTail.js';
import { useModels } from '../useModels.js';
import { ENHANCE_FORMATS } from '../../../core/contract/enhance.js';
import { FORMAT_LABELS } from '../formatLabels.js';

type Format = (typeof ENHANCE_FORMATS)[number];

interface Props {
  roots: string[];
  count: number;
  onStarted(jobId: string): void;
  onOpenModels(): void;
}

/** Upscale the current selection with an installed model. */
export function EnhanceBar({ roots, count, onStarted, onOpenModels }: Props) {
  const { models } = useModels();
  const upscalers = (models ?? []).filter((m) => m.installed && m.task === 'upscale');
  const [model, setModel] = useState('');
  const [scale, setScale] = useState('2');
  const [format, setFormat] = useState<Format>('same');
  const [outDir, setOutDir] = useState('');
  const { busy, error, start: startJob } = useStartJob(onStarted);

  if (models !== null && upscalers.length === 0) {
    return (
      <div className="convert-bar" role="note">
        <p className="full">
          No upscaling model is installed yet.{' '}
          <button type="button" className="link" onClick={onOpenModels}>
            Open Models
          </button>{' '}
          to download or import one.
        </p>
      </div>
    );
  }

  const start = (event: FormEvent) => {
    event.preventDefault();
    startJob({
      kind: 'enhance',
      options: { outscale: Number(scale), format, ...(model !== '' && { model }) },
      paths: roots,
      ...(outDir.trim() !== '' && { outDir: outDir.trim() }),
      priority: 'interactive',
    });
  };

  return (
    <form className="convert-bar" aria-label="Enhance" onSubmit={start}>
      <label>
        Model
        <select value={model} onChange={(e) => setModel(e.target.value)}>
          <option value="">Best installed</option>
          {upscalers.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Scale
        <select value={scale} onChange={(e) => setScale(e.target.value)}>
          {['1.5', '2', '3', '4'].map((s) => (
            <option key={s} value={s}>
              {s}×
            </option>
          ))}
        </select>
      </label>
      <label>
        Format
        <select value={format} onChange={(e) => setFormat(e.target.value as Format)}>
          {ENHANCE_FORMATS.map((value) => (
            <option key={value} value={value}>
              {FORMAT_LABELS[value]}
            </option>
          ))}
        </select>
      </label>
      <JobFormTail
        verb="Enhance"
        count={count}
        outDir={outDir}
        onOutDir={setOutDir}
        disabled={busy || roots.length === 0}
        error={error}
      />
    </form>
  );
}
