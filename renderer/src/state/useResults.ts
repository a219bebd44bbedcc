import { useEffect, useMemo, useState } from 'react';
import type { JobItem, JobSummary } from '../../../core/contract/jobs.js';
import { api } from '../api/client.js';

/** How many recent jobs of a kind feed the gallery's "result" badges and the compare view. */
const RECENT_JOBS = 5;

export interface Results {
  /** The newest job of this kind, if any. */
  latest: JobSummary | null;
  /** Its finished and failed items, in order. */
  latestItems: JobItem[];
  /** The newest finished result per input path, over the recent jobs of this kind. */
  byInput: ReadonlyMap<string, JobItem>;
}

/**
 * A panel's results, read from the jobs core keeps (so they survive a reload): re-read whenever
 * one of the recent jobs of the kind changes its counts.
 */
export function useResults(kind: string, jobs: readonly JobSummary[]): Results {
  const recent = useMemo(() => jobs.filter((j) => j.kind === kind).slice(0, RECENT_JOBS), [jobs, kind]);
  const version = recent.map((j) => `${j.id}:${j.counts.done}:${j.counts.failed}:${j.status}`).join('|');
  const [items, setItems] = useState<Record<string, JobItem[]>>({});

  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      Promise.all(
        recent.map((job) =>
          api.jobs
            .get({ id: job.id, limit: 1000 })
            .then(
              (r) => [job.id, r.items.filter((i) => i.status === 'done' || i.status === 'failed')] as const,
            )
            .catch(() => [job.id, [] as JobItem[]] as const),
        ),
      ).then((pairs) => live && setItems(Object.fromEntries(pairs)));
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // `version` stands for `recent`'s contents.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [version]);

  return useMemo(() => {
    const byInput = new Map<string, JobItem>();
    for (const job of [...recent].reverse()) {
      for (const item of items[job.id] ?? []) if (item.status === 'done') byInput.set(item.inputPath, item);
    }
    const latest = recent[0] ?? null;
    return { latest, latestItems: latest ? (items[latest.id] ?? []) : [], byInput };
  }, [recent, items]);
}
