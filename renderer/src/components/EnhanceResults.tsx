import { useEffect, useState } from 'react';
import { formatDuration } from '../../../core/contract/format.js';
import type { ScannedImage } from '../../../core/contract/schemas.js';
import { api } from '../api/client.js';
import { useJobItems, useJobs } from '../useJobs.js';
import { CompareView } from './CompareView.js';

interface Pair {
  before: ScannedImage;
  after: ScannedImage;
}

/** The running enhance job: progress, then each result with a before/after compare. */
export function EnhanceResults({ jobId }: { jobId: string }) {
  const { jobs } = useJobs();
  const job = jobs.find((j) => j.id === jobId);
  const { items } = useJobItems(jobId, 'all', job ? `${job.status}:${JSON.stringify(job.counts)}` : '');
  const [pairs, setPairs] = useState<Record<number, Pair>>({});
  const [selected, setSelected] = useState<number | null>(null);

  useEffect(() => {
    for (const item of items) {
      const output = item.outputs[0];
      if (item.status !== 'done' || !output || pairs[item.id]) continue;
      api.files.scan({ paths: [item.inputPath, output] }).then(
        (r) => {
          const before = r.images.find((i) => i.path === item.inputPath);
          const after = r.images.find((i) => i.path === output);
          if (before && after) setPairs((p) => ({ ...p, [item.id]: { before, after } }));
        },
        () => undefined,
      );
    }
  }, [items, pairs]);

  const done = items.filter((i) => pairs[i.id]);
  const current = (selected !== null && pairs[selected]) || (done[0] ? pairs[done[0].id] : undefined);
  const failed = items.filter((i) => i.status === 'failed');
  return (
    <section className="results" aria-label="Results">
      <h2>Results</h2>
      {job && (
        <>
          <progress max={1} value={job.progress} aria-label="Enhance progress" />
          <p className="job-line">
            {job.counts.done + job.counts.skipped} of {job.counts.total} done
            {job.counts.failed > 0 ? ` · ${job.counts.failed} failed` : ''}
            {job.status === 'running' && job.etaMs !== null
              ? ` · about ${formatDuration(job.etaMs)} left`
              : ''}
            {done[0]?.details
              ? ` · ${String(done[0].details.model)} on ${String(done[0].details.provider).toUpperCase()}`
              : ''}
          </p>
        </>
      )}
      {current && <CompareView before={current.before} after={current.after} />}
      {done.length > 1 && (
        <ul className="result-list" aria-label="Enhanced photos">
          {done.map((item) => (
            <li key={item.id}>
              <button
                type="button"
                className="button"
                aria-pressed={current === pairs[item.id]}
                onClick={() => setSelected(item.id)}
              >
                {item.inputPath.split(/[/\\]/).pop()}
              </button>
            </li>
          ))}
        </ul>
      )}
      {failed.map((item) => (
        <p key={item.id} className="error-message">
          {item.inputPath.split(/[/\\]/).pop()}: {item.errorMessage}
        </p>
      ))}
    </section>
  );
}
