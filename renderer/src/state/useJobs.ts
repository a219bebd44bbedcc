import { useCallback, useEffect, useRef, useState } from 'react';
import type { JobItem, JobLogEntry, JobSummary } from '../../../core/contract/jobs.js';
import { api } from '../api/client.js';
import { useConnection } from './useConnection.js';

/** The job list with how its reading went: `loaded` turns true once the first read has answered. */
export interface JobsState {
  jobs: JobSummary[];
  /** The last read's failure (kept until a read succeeds). */
  error: unknown;
  loaded: boolean;
  /** Reads the list again now. */
  reload(): void;
  /** Puts a summary an action answered with into the list at once (events may come later). */
  apply(job: JobSummary): void;
}

/**
 * A job whose status no longer lets it run but whose current photo is still being worked on:
 * a pause or a cancel takes effect when that photo ends, so it is still "pausing"/"cancelling".
 */
const settling = (j: JobSummary): boolean =>
  (j.status === 'paused' || j.status === 'cancelled') && j.counts.running > 0;

const upsertJob = (list: JobSummary[], job: JobSummary): JobSummary[] =>
  [job, ...list.filter((j) => j.id !== job.id)].sort((a, b) => b.createdAt - a.createdAt);

/**
 * Every job, newest first, kept live by `job.updated`, `job.progress` and `jobs.cleared`, read
 * again whenever the connection comes back (events were missed meanwhile).
 */
export function useJobsState(): JobsState {
  const { reconnects } = useConnection();
  const [jobs, setJobs] = useState<JobSummary[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [loaded, setLoaded] = useState(false);
  const [reads, setReads] = useState(0);
  const reload = useCallback(() => setReads((n) => n + 1), []);
  const apply = useCallback((job: JobSummary) => setJobs((prev) => upsertJob(prev, job)), []);

  useEffect(() => {
    const upsert = (job: JobSummary) => setJobs((prev) => upsertJob(prev, job));
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
    const offCleared = api.on('jobs.cleared', ({ ids }) =>
      setJobs((prev) => prev.filter((j) => !ids.includes(j.id))),
    );
    return () => {
      offUpdated();
      offProgress();
      offCleared();
    };
  }, []);

  useEffect(() => {
    let live = true;
    api.jobs.list().then(
      (list) => {
        if (!live) return;
        setJobs(list);
        setError(null);
        setLoaded(true);
      },
      (e: unknown) => {
        if (!live) return;
        setError(e);
        setLoaded(true);
      },
    );
    return () => {
      live = false;
    };
  }, [reconnects, reads]);

  // Events can be missed (the socket opens after the first read, or reconnects), a read can land
  // after a newer event, and the progress event of a pause or cancel taking effect is throttled:
  // while anything runs or settles, read again so the view always converges.
  const active = jobs.some((j) => j.status === 'queued' || j.status === 'running' || settling(j));
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      api.jobs.list().then(setJobs, () => undefined);
    }, RESYNC_MS);
    return () => clearInterval(timer);
  }, [active]);
  return { jobs, error, loaded, reload, apply };
}

/** Every job, newest first, kept live by `job.updated` and `job.progress`. */
export function useJobs(): { jobs: JobSummary[]; error: string | null } {
  const { jobs, error } = useJobsState();
  return {
    jobs,
    error:
      error === null || error === undefined ? null : error instanceof Error ? error.message : String(error),
  };
}

const RESYNC_MS = 2000;

/** One page of a job's items and whether it has been read yet for this job and filter. */
export interface JobItemsState {
  items: JobItem[];
  total: number;
  /** False until the first read for this job and filter has answered (show "Loading…"). */
  loaded: boolean;
  /** The last read's failure, or null. */
  error: unknown;
}

/**
 * One job's items (first 500, optionally only one status). They are read again, at most every
 * 300 ms, whenever `version` changes (the job's summary, which itself converges).
 */
export function useJobItemsState(
  jobId: string,
  filter: 'all' | 'failed' | 'done',
  version: string,
  limit = 500,
): JobItemsState {
  const key = `${jobId}:${filter}:${limit}`;
  const [state, setState] = useState<{ key: string; items: JobItem[]; total: number; error: unknown }>({
    key: '',
    items: [],
    total: 0,
    error: null,
  });
  const [tick, setTick] = useState(0);
  const scheduled = useRef<ReturnType<typeof setTimeout> | null>(null);
  const readFor = useRef(version);
  useEffect(() => {
    // The first read happens on mount; a read is scheduled only when the version moves on.
    if (readFor.current === version) return;
    readFor.current = version;
    if (scheduled.current) return;
    scheduled.current = setTimeout(() => {
      scheduled.current = null;
      setTick((t) => t + 1);
    }, 300);
  }, [version]);
  useEffect(
    () => () => {
      if (scheduled.current) clearTimeout(scheduled.current);
      scheduled.current = null;
    },
    [],
  );
  useEffect(() => {
    let live = true;
    api.jobs.get({ id: jobId, limit, ...(filter !== 'all' && { status: filter }) }).then(
      (r) => live && setState({ key, items: r.items, total: r.totalItems, error: null }),
      (e: unknown) => live && setState((prev) => ({ ...prev, key, error: e })),
    );
    return () => {
      live = false;
    };
  }, [jobId, filter, limit, key, tick]);
  const loaded = state.key === key;
  return loaded
    ? { items: state.items, total: state.total, loaded, error: state.error }
    : { items: [], total: 0, loaded, error: null };
}

/**
 * One job's items (first page). They are read again, at most every 300 ms, whenever the job's
 * summary changes (`version`), which itself converges (events plus re-reads while running).
 */
export function useJobItems(
  jobId: string,
  filter: 'all' | 'failed',
  version: string,
): { items: JobItem[]; total: number } {
  const { items, total } = useJobItemsState(jobId, filter, version);
  return { items, total };
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
