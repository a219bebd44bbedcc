import './QueuePanel.css';
import { useEffect, useId, useRef, useState } from 'react';
import type { JobItem, JobSummary } from '../../../core/contract/jobs.js';
import { api } from '../api/client.js';
import { JobZipLink, ResultLink } from '../components/ResultLinks.js';
import { OutputThumbnail } from '../components/Thumbnail.js';
import { problemOf, StatusLine, type Message } from '../components/forms.js';
import { useI18n } from '../i18n/index.js';
import { useConnection } from '../state/useConnection.js';
import { useNow } from '../state/useNow.js';
import { useJobItemsState, useJobLog, useJobsState } from '../state/useJobs.js';
import {
  ITEM_STATUS_KEYS,
  blockerOf,
  countsText,
  describeOptions,
  etaText,
  fileName,
  isFinished,
  itemReason,
  itemRetryable,
  jobLabel,
  jobStatusView,
  kindName,
  pendingOf,
  speedText,
  waitingText,
  type Pending,
  type Tone,
} from './queueText.js';

interface Props {
  /** The job to open first (just started elsewhere). */
  focusJobId: string | null;
}

/** How many results a card previews. */
const PREVIEWS = 4;
const BADGE: Readonly<Record<Tone, string>> = {
  ok: 'badge badge-ok',
  warn: 'badge badge-warn',
  danger: 'badge badge-danger',
  muted: 'badge badge-muted',
  active: 'badge queue-badge-active',
};

/** Every job with what it does, its progress and controls; an open job lists its photos. */
export function QueuePanel({ focusJobId }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { online } = useConnection();
  const { jobs, error, loaded, reload, apply } = useJobsState();
  const now = useNow(30_000);
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set(focusJobId ? [focusJobId] : []));
  const [shownFocus, setShownFocus] = useState(focusJobId);
  if (focusJobId !== shownFocus) {
    setShownFocus(focusJobId);
    if (focusJobId) setOpen((prev) => new Set(prev).add(focusJobId));
  }
  // Pause and cancel presses on their way to core, by job; the job's own state takes over after.
  const [requested, setRequested] = useState<Readonly<Record<string, Pending>>>({});
  const [message, setMessage] = useState<Message>(null);
  const [clearing, setClearing] = useState(false);

  const toggle = (id: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  const clearFinished = async () => {
    setMessage(null);
    setClearing(true);
    try {
      const { removed } = await api.jobs.clearFinished({});
      setMessage({
        kind: 'ok',
        text: removed.length > 0 ? t('queue.cleared', { count: removed.length }) : t('queue.clearedNone'),
      });
      reload();
    } catch (e) {
      setMessage({ kind: 'error', problem: problemOf(e, t('error.fields')) });
    } finally {
      setClearing(false);
    }
  };

  const finished = jobs.filter(isFinished).length;
  const running = jobs.filter((j) => j.status === 'running').length;
  const waiting = jobs.filter((j) => j.status === 'queued').length;
  const summary = [
    running > 0 ? t('queue.summary.running', { count: running }) : '',
    waiting > 0 ? t('queue.summary.waiting', { count: waiting }) : '',
    finished > 0 ? t('queue.summary.finished', { count: finished }) : '',
  ].filter(Boolean);

  return (
    <section className="queue">
      <div className="queue-toolbar">
        <p className="muted queue-summary">
          {loaded && jobs.length > 0 ? summary.join(' · ') || t('queue.summary.none') : ''}
        </p>
        <button
          type="button"
          className="button"
          disabled={!online || clearing || finished === 0}
          onClick={() => void clearFinished()}
        >
          {clearing ? t('queue.clearing') : t('queue.clearFinished')}
        </button>
      </div>
      <StatusLine message={message} />

      {!loaded && (
        <p role="status" className="muted">
          {t('common.loading')}
        </p>
      )}
      {loaded && error !== null && (
        <div role="alert" className="queue-error">
          <p className="error-message">
            {t('queue.loadFailed', { reason: problemOf(error, t('error.fields')).message })}
          </p>
          <button type="button" className="button" disabled={!online} onClick={reload}>
            {t('common.retry')}
          </button>
        </div>
      )}
      {loaded && error === null && jobs.length === 0 && (
        <div className="queue-empty">
          <h2>{t('queue.empty.title')}</h2>
          <p className="muted">{t('queue.empty.body')}</p>
        </div>
      )}

      {jobs.length > 0 && (
        <ul className="queue-jobs" aria-label={t('queue.jobs')}>
          {jobs.map((job) => (
            <JobCard
              key={job.id}
              job={job}
              jobs={jobs}
              now={now}
              open={open.has(job.id)}
              focused={job.id === focusJobId}
              online={online}
              requested={requested[job.id] ?? null}
              onToggle={() => toggle(job.id)}
              onRequest={(action) => setRequested((prev) => ({ ...prev, [job.id]: action }))}
              onAnswered={(summary) => {
                if (summary) apply(summary);
                setRequested((prev) => ({ ...prev, [job.id]: null }));
              }}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

interface CardProps {
  job: JobSummary;
  jobs: readonly JobSummary[];
  now: number;
  open: boolean;
  focused: boolean;
  online: boolean;
  requested: Pending;
  onToggle(): void;
  onRequest(action: Pending): void;
  /** The action's answer arrived (the summary it returned, or null when it failed). */
  onAnswered(summary: JobSummary | null): void;
}

function JobCard({
  job,
  jobs,
  now,
  open,
  focused,
  online,
  requested,
  onToggle,
  onRequest,
  onAnswered,
}: CardProps) {
  const i18n = useI18n();
  const { t, relative, date, duration, percent } = i18n;
  const itemsId = useId();
  const ref = useRef<HTMLLIElement>(null);
  const [message, setMessage] = useState<Message>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (focused) ref.current?.scrollIntoView?.({ block: 'nearest' });
  }, [focused]);

  const label = jobLabel(job, i18n);
  const pending = pendingOf(job, requested);
  const status = jobStatusView(job, pending, i18n);
  const options = describeOptions(job, i18n);
  const active = job.status === 'queued' || job.status === 'running';
  const c = job.counts;

  /** Runs a job action; pause and cancel stay "pending" from the press until core shows them done. */
  const act = async (fn: () => Promise<JobSummary>, action: Pending = null) => {
    setMessage(null);
    setBusy(true);
    if (action) onRequest(action);
    try {
      onAnswered(await fn());
    } catch (e) {
      onAnswered(null);
      setMessage({ kind: 'error', problem: problemOf(e, t('error.fields')) });
    } finally {
      setBusy(false);
    }
  };

  const line = [
    ...countsText(job, i18n),
    job.status === 'running' && !pending ? speedText(job.itemsPerSecond, i18n) : null,
    active && !pending ? etaText(job.etaMs, i18n) : null,
    job.finishedAt !== null && job.startedAt !== null && !active
      ? t('queue.took', { duration: duration(Math.max(0, job.finishedAt - job.startedAt)) })
      : null,
  ].filter((part): part is string => Boolean(part));

  const blocked = job.status === 'queued' && !pending ? waitingText(blockerOf(job, jobs), i18n) : null;
  const disabled = !online || busy;

  return (
    <li
      ref={ref}
      className={`queue-job tone-${status.tone} status-${job.status}${pending ? ' is-pending' : ''}`}
      aria-label={label}
    >
      <div className="queue-job-head">
        <h2 className="queue-job-title">
          <button type="button" aria-expanded={open} aria-controls={itemsId} onClick={onToggle}>
            <span className="queue-kind">{kindName(job.kind, i18n)}</span>
            {options.length > 0 && <span className="queue-options">{options.join(' · ')}</span>}
          </button>
        </h2>
        <span className={BADGE[status.tone]}>{status.text}</span>
      </div>

      <div className="queue-progress">
        <progress max={1} value={job.progress} aria-label={t('queue.progress', { job: label })} />
        <span className="queue-percent small">{percent(job.progress)}</span>
      </div>
      <p className="queue-line">{line.join(' · ')}</p>

      {pending && (
        <p role="status" className="notice queue-pending">
          {pending === 'pause' ? t('queue.pausingNotice') : t('queue.cancellingNotice')}
        </p>
      )}
      {blocked && <p className="queue-waiting muted">{blocked}</p>}

      <dl className="queue-facts small">
        {job.source !== null && (
          <div>
            <dt>{t('queue.fact.source')}</dt>
            <dd className="mono">{job.source}</dd>
          </div>
        )}
        <div>
          <dt>{t('queue.fact.output')}</dt>
          <dd className={job.outDir !== null ? 'mono' : undefined}>{job.outDir ?? t('queue.fact.nextTo')}</dd>
        </div>
        <div>
          <dt>{t('queue.fact.made')}</dt>
          <dd>
            <time dateTime={new Date(job.createdAt).toISOString()} title={date(job.createdAt)}>
              {relative(job.createdAt, now)}
            </time>
          </dd>
        </div>
      </dl>

      {c.done > 0 && <Previews job={job} />}

      <div className="queue-actions">
        {active && pending !== 'pause' && pending !== 'cancel' && (
          <button
            type="button"
            className="button"
            disabled={disabled}
            onClick={() => void act(() => api.jobs.pause({ id: job.id }), 'pause')}
          >
            {t('queue.pause')}
          </button>
        )}
        {pending === 'pause' && (
          <button type="button" className="button" disabled>
            {t('queue.pausing')}
          </button>
        )}
        {job.status === 'paused' && !pending && (
          <button
            type="button"
            className="button primary"
            disabled={disabled}
            onClick={() => void act(() => api.jobs.resume({ id: job.id }))}
          >
            {t('queue.resume')}
          </button>
        )}
        {c.retryable > 0 && job.status !== 'cancelled' && !pending && (
          <button
            type="button"
            className="button"
            disabled={disabled}
            onClick={() => void act(() => api.jobs.retryFailed({ id: job.id }))}
          >
            {t('queue.retryFailed', { count: c.retryable })}
          </button>
        )}
        {(active || job.status === 'paused') && pending !== 'cancel' && (
          <button
            type="button"
            className="button danger"
            disabled={disabled}
            onClick={() => void act(() => api.jobs.cancel({ id: job.id }), 'cancel')}
          >
            {t('queue.cancel')}
          </button>
        )}
        {pending === 'cancel' && (
          <button type="button" className="button danger" disabled>
            {t('queue.cancelling')}
          </button>
        )}
        {c.done > 0 && <JobZipLink jobId={job.id} />}
      </div>
      <StatusLine message={message} />

      <div id={itemsId} hidden={!open}>
        {open && <JobItems job={job} online={online} />}
      </div>
    </li>
  );
}

/** Thumbnails of the job's first few results. */
function Previews({ job }: { job: JobSummary }) {
  const { t } = useI18n();
  const { reconnects } = useConnection();
  const wanted = Math.min(job.counts.done, PREVIEWS);
  const { items } = useJobItemsState(job.id, 'done', `${wanted}:${reconnects}`, PREVIEWS);
  if (items.length === 0) return null;
  return (
    <ul className="queue-previews" aria-label={t('queue.previews')}>
      {items.slice(0, PREVIEWS).map((item) => (
        <li key={item.id}>
          <OutputThumbnail
            itemId={item.id}
            alt={t('queue.previewAlt', { name: fileName(item.shownPath) })}
            size={160}
          />
        </li>
      ))}
    </ul>
  );
}

function JobItems({ job, online }: { job: JobSummary; online: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { reconnects } = useConnection();
  const [filter, setFilter] = useState<'all' | 'failed'>(job.counts.failed > 0 ? 'failed' : 'all');
  const [message, setMessage] = useState<Message>(null);
  const version = `${job.status}:${JSON.stringify(job.counts)}:${job.progress}:${reconnects}`;
  const { items, total, loaded, error } = useJobItemsState(job.id, filter, version);

  const cancelItem = async (item: JobItem) => {
    setMessage(null);
    try {
      await api.jobs.cancelItem({ itemId: item.id });
    } catch (e) {
      setMessage({ kind: 'error', problem: problemOf(e, t('error.fields')) });
    }
  };

  return (
    <div className="queue-items">
      <h3 className="visually-hidden">{t('queue.items.heading')}</h3>
      <div className="queue-filter" role="group" aria-label={t('queue.items.show')}>
        <button
          type="button"
          className="button"
          aria-pressed={filter === 'all'}
          onClick={() => setFilter('all')}
        >
          {t('queue.items.all', { count: job.counts.total })}
        </button>
        <button
          type="button"
          className="button"
          aria-pressed={filter === 'failed'}
          onClick={() => setFilter('failed')}
        >
          {t('queue.items.failed', { count: job.counts.failed })}
        </button>
      </div>
      <StatusLine message={message} />
      {!loaded && (
        <p role="status" className="muted">
          {t('queue.items.loading')}
        </p>
      )}
      {loaded && error !== null && items.length === 0 && (
        <p role="alert" className="error-message">
          {t('queue.items.loadFailed', { reason: problemOf(error, t('error.fields')).message })}
        </p>
      )}
      {loaded && error === null && total === 0 && (
        <p className="muted">{filter === 'failed' ? t('queue.items.noneFailed') : t('queue.items.none')}</p>
      )}
      {items.length > 0 && (
        <ul className="queue-item-list" aria-label={t('queue.items')}>
          {items.map((item) => (
            <ItemRow key={item.id} item={item} online={online} onCancel={() => void cancelItem(item)} />
          ))}
        </ul>
      )}
      {loaded && total > items.length && (
        <p className="muted small">{t('queue.items.partial', { shown: items.length, count: total })}</p>
      )}
      <JobLogView key={reconnects} jobId={job.id} />
    </div>
  );
}

function ItemRow({ item, online, onCancel }: { item: JobItem; online: boolean; onCancel(): void }) {
  const { t, percent, duration } = useI18n();
  const name = fileName(item.shownPath);
  const reason = item.status === 'failed' ? itemReason(item) : '';
  const badge =
    item.status === 'done'
      ? 'badge badge-ok'
      : item.status === 'failed'
        ? 'badge badge-danger'
        : item.status === 'running'
          ? 'badge queue-badge-active'
          : 'badge badge-muted';
  const note = typeof item.details?.note === 'string' ? item.details.note : null;
  return (
    <li className={`queue-item status-${item.status}`}>
      <div className="queue-item-head">
        <span className="queue-item-name" title={item.shownPath}>
          {name}
          {item.relDir !== '' && <span className="muted small"> · {item.relDir}</span>}
        </span>
        <span className={badge}>{t(ITEM_STATUS_KEYS[item.status])}</span>
        {(item.status === 'queued' || item.status === 'running') && (
          <button
            type="button"
            className="link"
            disabled={!online}
            aria-label={t('queue.item.cancelNamed', { name })}
            onClick={onCancel}
          >
            {t('queue.item.cancel')}
          </button>
        )}
      </div>
      {item.status === 'running' && (
        <p className="queue-item-detail muted small">
          {t('queue.item.running', { percent: percent(item.progress) })}
        </p>
      )}
      {item.status === 'failed' && (
        <div className="queue-item-detail">
          <p className="error-message small">{reason || t('queue.item.noReason')}</p>
          {!itemRetryable(item) && <p className="hint small">{t('queue.item.permanent')}</p>}
        </div>
      )}
      {(item.status === 'done' || item.status === 'skipped') && item.outputs.length > 0 && (
        <div className="queue-item-detail small">
          {item.status === 'skipped' && <span className="muted">{t('queue.item.upToDate')} </span>}
          {item.outputs.map((output, index) => (
            <span key={output} className="queue-output">
              <span className="queue-output-name">{fileName(output)}</span>
              {item.status === 'done' && (
                <ResultLink itemId={item.id} index={index} name={fileName(output)} />
              )}
            </span>
          ))}
          {item.status === 'done' && item.durationMs !== null && (
            <span className="muted">{t('queue.item.took', { duration: duration(item.durationMs) })}</span>
          )}
          {note && <span className="muted">{note}</span>}
        </div>
      )}
    </li>
  );
}

/** Notable events of the job (retries, crashes recovered, waits), newest last. */
function JobLogView({ jobId }: { jobId: string }) {
  const { t, time } = useI18n();
  const entries = useJobLog(jobId);
  if (entries.length === 0) return null;
  return (
    <details className="queue-log">
      <summary>{t('queue.log', { count: entries.length })}</summary>
      <ol aria-label={t('queue.log.label')}>
        {entries.map((e) => (
          <li key={e.id} className={`log-${e.level}`}>
            <time dateTime={new Date(e.at).toISOString()}>{time(e.at)}</time> {e.message}
          </li>
        ))}
      </ol>
    </details>
  );
}
