import { useEffect, useRef, useState } from 'react';
import type { JobItem, JobLogEntry, JobSummary } from '../../core/contract/jobs.js';
import { api } from './api/client.js';

/** Every job, newest first, kept live by `job.updated` and `job.progress`. */
export function useJobs(): { jobs: JobSummary[]; error: string | null } {
  const [jobs, setJobs] = useState<JobSummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const upsert = (job: JobSummary) =>
      setJobs((prev) => {
        const rest = prev.filter((j) => j.id !== job.id);
        return [job, ...rest].sort((a, b) => b.createdAt - a.createdAt);
      });
    const offUpdated = api.on('job.updated', upsert);
    const offProgress = api.on('job.progress', (p) =>
      setJobs((prev) =>
        prev.map((j) =>
          j.id === p.jobId
            ? {
                ...j,
                counts: p.counts,
                progress: p.progress,
                etaMs: p.etaMs,
                itemsPerSecond: p.itemsPerSecond,
              }
            : j,
        ),
      ),
    );
    api.jobs.list().then(
      (list) => live && setJobs(list),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
      offUpdated();
      offProgress();
    };
  }, []);
  // Events can be missed (the socket opens after the first read, or reconnects) and a read can
  // land after a newer event: while anything runs, read again so the view always converges.
  const active = jobs.some((j) => j.status === 'queued' || j.status === 'running');
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      api.jobs.list().then(setJobs, () => undefined);
    }, RESYNC_MS);
    return () => clearInterval(timer);
  }, [active]);
  return { jobs, error };
}

const RESYNC_MS = 2000;

/**
 * One job's items (first page). They are read again, at most every 300 ms, whenever the job's
 * summary changes (`version`), which itself converges (events plus re-reads while running).
 */
export function useJobItems(
  jobId: string,
  filter: 'all' | 'failed',
  version: string,
): { items: JobItem[]; total: number } {
  const [state, setState] = useState<{ items: JobItem[]; total: number }>({ items: [], total: 0 });
  const [tick, setTick] = useState(0);
  const scheduled = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    if (scheduled.current) return;
    scheduled.current = setTimeout(() => {
      scheduled.current = null;
      setTick((t) => t + 1);
    }, 300);
  }, [version]);
  useEffect(
    () => () => {
      if (scheduled.current) clearTimeout(scheduled.current);
    },
    [],
  );
  useEffect(() => {
    let live = true;
    api.jobs.get({ id: jobId, limit: 500, ...(filter === 'failed' && { status: 'failed' as const }) }).then(
      (r) => live && setState({ items: r.items, total: r.totalItems }),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [jobId, filter, tick]);
  return state;
}

/** A job's log (its last 50 entries), kept live by `job.log` events. */
export function useJobLog(jobId: string): JobLogEntry[] {
  const [entries, setEntries] = useState<JobLogEntry[]>([]);
  useEffect(() => {
    let live = true;
    const off = api.on('job.log', (entry) => {
      if (entry.jobId === jobId)
        setEntries((prev) => [...prev.filter((e) => e.id !== entry.id), entry].slice(-50));
    });
    api.jobs.log({ id: jobId }).then(
      (list) =>
        live &&
        setEntries((prev) => {
          const seen = new Set(list.map((e) => e.id));
          return [...list, ...prev.filter((e) => !seen.has(e.id))].slice(-50);
        }),
      () => undefined,
    );
    return () => {
      live = false;
      off();
    };
  }, [jobId]);
  return entries;
}
