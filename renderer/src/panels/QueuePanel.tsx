import { useState } from 'react';
import { formatDuration } from '../../../core/contract/format.js';
import type { JobItem, JobSummary } from '../../../core/contract/jobs.js';
import { api } from '../api/client.js';
import { useJobItems, useJobLog, useJobs } from '../useJobs.js';

interface Props {
  /** The job to open first (just started from the library). */
  focusJobId: string | null;
}

const fileName = (path: string): string => path.split(/[/\\]/).pop() ?? path;

function describe(job: JobSummary): string {
  const c = job.counts;
  const finished = c.done + c.skipped + c.failed + c.cancelled;
  return [
    `${finished} of ${c.total}`,
    c.skipped > 0 ? `${c.skipped} up to date` : '',
    c.failed > 0 ? `${c.failed} failed` : '',
    c.cancelled > 0 ? `${c.cancelled} cancelled` : '',
    c.awaiting > 0 ? `${c.awaiting} waiting on a remote service` : '',
    job.itemsPerSecond !== null && job.status === 'running' ? `${job.itemsPerSecond.toFixed(1)}/s` : '',
    job.etaMs !== null && job.status === 'running' ? `about ${formatDuration(job.etaMs)} left` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

/** Every job with progress, ETA and controls; the open job lists its items and failures. */
export function QueuePanel({ focusJobId }: Props) {
  const { jobs, error } = useJobs();
  const [openId, setOpenId] = useState<string | null>(focusJobId);
  const [actionError, setActionError] = useState<string | null>(null);
  const act = (fn: () => Promise<unknown>) => {
    setActionError(null);
    fn().catch((e: unknown) => setActionError(e instanceof Error ? e.message : String(e)));
  };

  if (error) return <p className="error-message">{error}</p>;
  if (jobs.length === 0)
    return <p className="muted">No jobs yet. Add photos and start one; it will show here.</p>;

  return (
    <section className="queue">
      {actionError && (
        <p role="alert" className="error-message">
          {actionError}
        </p>
      )}
      <ul className="jobs" aria-label="Jobs">
        {jobs.map((job) => {
          const open = openId === job.id;
          const label = `${job.kind} job ${job.id.slice(0, 8)}`;
          return (
            <li key={job.id} className={`job status-${job.status}`} aria-label={label}>
              <div className="job-head">
                <button
                  type="button"
                  className="job-title"
                  aria-expanded={open}
                  onClick={() => setOpenId(open ? null : job.id)}
                >
                  <strong>{job.kind}</strong>{' '}
                  <span className="muted">{new Date(job.createdAt).toLocaleString()}</span>
                </button>
                <span className="badge">{job.status}</span>
              </div>
              <progress max={1} value={job.progress} aria-label={`${label} progress`} />
              <p className="job-line">{describe(job)}</p>
              <div className="job-actions">
                {(job.status === 'queued' || job.status === 'running') && (
                  <button
                    type="button"
                    className="button"
                    onClick={() => act(() => api.jobs.pause({ id: job.id }))}
                  >
                    Pause
                  </button>
                )}
                {job.status === 'paused' && (
                  <button
                    type="button"
                    className="button"
                    onClick={() => act(() => api.jobs.resume({ id: job.id }))}
                  >
                    Resume
                  </button>
                )}
                {job.counts.failed > 0 && job.status !== 'cancelled' && (
                  <button
                    type="button"
                    className="button"
                    onClick={() => act(() => api.jobs.retryFailed({ id: job.id }))}
                  >
                    Retry failed
                  </button>
                )}
                {job.status !== 'done' && job.status !== 'cancelled' && (
                  <button
                    type="button"
                    className="button danger"
                    onClick={() => act(() => api.jobs.cancel({ id: job.id }))}
                  >
                    Cancel
                  </button>
                )}
              </div>
              {open && (
                <JobItems job={job} onCancelItem={(itemId) => act(() => api.jobs.cancelItem({ itemId }))} />
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function JobItems({ job, onCancelItem }: { job: JobSummary; onCancelItem(itemId: number): void }) {
  const [filter, setFilter] = useState<'all' | 'failed'>(job.counts.failed > 0 ? 'failed' : 'all');
  const { items, total } = useJobItems(job.id, filter, `${job.status}:${JSON.stringify(job.counts)}`);
  return (
    <div className="job-items">
      <div className="filter" role="group" aria-label="Show items">
        <button
          type="button"
          className="button"
          aria-pressed={filter === 'all'}
          onClick={() => setFilter('all')}
        >
          All ({job.counts.total})
        </button>
        <button
          type="button"
          className="button"
          aria-pressed={filter === 'failed'}
          onClick={() => setFilter('failed')}
        >
          Failed ({job.counts.failed})
        </button>
      </div>
      <table aria-label="Items">
        <thead>
          <tr>
            <th>File</th>
            <th>Status</th>
            <th>Details</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <ItemRow key={item.id} item={item} onCancel={() => onCancelItem(item.id)} />
          ))}
        </tbody>
      </table>
      {total === 0 && <p className="muted">{filter === 'failed' ? 'No failed items.' : 'No items.'}</p>}
      {total > items.length && (
        <p className="muted">
          Showing {items.length} of {total}.
        </p>
      )}
      <JobLogView jobId={job.id} />
    </div>
  );
}

/** Notable events of the job (retries, crashes recovered, waits), newest last. */
function JobLogView({ jobId }: { jobId: string }) {
  const entries = useJobLog(jobId);
  if (entries.length === 0) return null;
  return (
    <section className="job-log" aria-label="Job log">
      <h3>Log</h3>
      <ol>
        {entries.map((e) => (
          <li key={e.id} className={`log-${e.level}`}>
            <time dateTime={new Date(e.at).toISOString()}>{new Date(e.at).toLocaleTimeString()}</time>{' '}
            {e.message}
          </li>
        ))}
      </ol>
    </section>
  );
}

function ItemRow({ item, onCancel }: { item: JobItem; onCancel(): void }) {
  const details =
    item.status === 'failed' || item.status === 'cancelled'
      ? (item.errorMessage ?? '')
      : item.outputs.length > 0
        ? `→ ${item.outputs.join(', ')}${typeof item.details?.note === 'string' ? ` · ${item.details.note}` : ''}`
        : item.status === 'running'
          ? `${Math.round(item.progress * 100)}%`
          : '';
  return (
    <tr className={`item status-${item.status}`}>
      <td title={item.inputPath}>{fileName(item.inputPath)}</td>
      <td>
        <span className="badge">{item.status}</span>
      </td>
      <td className={item.status === 'failed' ? 'error-message' : 'muted'}>{details}</td>
      <td>
        {(item.status === 'queued' || item.status === 'running') && (
          <button
            type="button"
            className="link"
            aria-label={`Cancel ${fileName(item.inputPath)}`}
            onClick={onCancel}
          >
            Cancel
          </button>
        )}
      </td>
    </tr>
  );
}
