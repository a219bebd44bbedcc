import { isRetryable } from '../../../core/contract/errors.js';
import type { ItemStatus, JobItem, JobStatus, JobSummary } from '../../../core/contract/jobs.js';
import type { I18n, MessageKey } from '../i18n/index.js';

/**
 * What the queue says about jobs and their photos, as plain functions of the contract's data
 * and the i18n formatters (so they are tested without React).
 */
export type QueueText = Pick<I18n, 't' | 'number' | 'percent' | 'duration'>;

const KIND_KEYS: Readonly<Record<string, MessageKey>> = {
  enhance: 'kind.enhance',
  convert: 'kind.convert',
};

const FORMAT_KEYS: Readonly<Record<string, MessageKey>> = {
  same: 'queue.opt.sameFormat',
  jpg: 'format.jpg',
  png: 'format.png',
  webp: 'format.webp',
  avif: 'format.avif',
  tiff: 'format.tiff',
};

export const ITEM_STATUS_KEYS: Readonly<Record<ItemStatus, MessageKey>> = {
  queued: 'status.queued',
  running: 'status.running',
  awaiting: 'status.awaiting',
  done: 'status.done',
  failed: 'status.failed',
  skipped: 'status.skipped',
  cancelled: 'status.cancelled',
};

const JOB_STATUS_KEYS: Readonly<Record<JobStatus, MessageKey>> = {
  queued: 'status.queued',
  running: 'status.running',
  paused: 'status.paused',
  done: 'status.done',
  cancelled: 'status.cancelled',
};

/** The operation's name ("Enhance"); a kind the studio has no name for yet shows as it is called. */
export function kindName(kind: string, { t }: Pick<QueueText, 't'>): string {
  const key = KIND_KEYS[kind];
  return key ? t(key) : kind.charAt(0).toUpperCase() + kind.slice(1);
}

/** The accessible name of a job's card: "Enhance job 1a2b3c4d". */
export function jobLabel(job: Pick<JobSummary, 'id' | 'kind'>, text: Pick<QueueText, 't'>): string {
  return text.t('queue.job.label', { kind: kindName(job.kind, text), id: job.id.slice(0, 8) });
}

function formatName(format: unknown, { t }: Pick<QueueText, 't'>): string | null {
  if (typeof format !== 'string') return null;
  const key = FORMAT_KEYS[format];
  return key ? t(key) : format.toUpperCase();
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The job's key options in words: `best installed model`, `×2`, `PNG`; convert: format, quality, resize. */
export function describeOptions(job: Pick<JobSummary, 'kind' | 'options'>, text: QueueText): string[] {
  const { t, number, percent } = text;
  const o = job.options;
  const parts: string[] = [];
  switch (job.kind) {
    case 'enhance': {
      parts.push(typeof o.model === 'string' && o.model !== '' ? o.model : t('queue.opt.bestModel'));
      const scale = num(o.outscale);
      if (scale !== null) parts.push(t('queue.opt.scale', { scale: number(scale, 2) }));
      const format = formatName(o.format, text);
      if (format) parts.push(format);
      const quality = num(o.quality);
      if (quality !== null && (o.format === 'jpg' || o.format === 'webp'))
        parts.push(t('queue.opt.quality', { quality }));
      break;
    }
    case 'convert': {
      const format = formatName(o.format, text);
      if (format) parts.push(format);
      const quality = num(o.quality);
      if (quality !== null && o.format !== 'png') parts.push(t('queue.opt.quality', { quality }));
      const maxSize = num(o.maxSize);
      const scale = num(o.scale);
      if (maxSize !== null) parts.push(t('queue.opt.maxSize', { size: maxSize }));
      else if (scale !== null) parts.push(t('queue.opt.resizeScale', { percent: percent(scale) }));
      else parts.push(t('queue.opt.keepSize'));
      break;
    }
    default:
      break;
  }
  return parts;
}

/** "about 12 s per photo" under one photo a second, "2.5 photos per second" otherwise; null when unknown. */
export function speedText(itemsPerSecond: number | null, { t, number, duration }: QueueText): string | null {
  if (itemsPerSecond === null || !Number.isFinite(itemsPerSecond) || itemsPerSecond <= 0) return null;
  if (itemsPerSecond < 1) return t('queue.speed.perPhoto', { duration: duration(1000 / itemsPerSecond) });
  const rate = number(itemsPerSecond, 1);
  return t('queue.speed.perSecond', { rate, count: Math.round(itemsPerSecond * 10) / 10 });
}

/** "about 3 min left", also before the first photo ends (core estimates from the pixels); null when unknown. */
export function etaText(etaMs: number | null, { t, duration }: QueueText): string | null {
  if (etaMs === null || !Number.isFinite(etaMs) || etaMs < 0) return null;
  if (etaMs < 1000) return t('queue.eta.soon');
  return t('queue.eta', { duration: duration(etaMs) });
}

/** "12 of 40 photos", then what is not plain done: up to date, failed, cancelled, waiting. */
export function countsText(job: Pick<JobSummary, 'counts'>, { t }: Pick<QueueText, 't'>): string[] {
  const c = job.counts;
  const worked = c.done + c.skipped + c.failed;
  const parts = [t('queue.counts.progress', { worked, count: c.total })];
  if (worked !== c.done && c.done > 0) parts.push(t('queue.counts.done', { count: c.done }));
  if (c.skipped > 0) parts.push(t('queue.counts.skipped', { count: c.skipped }));
  if (c.failed > 0) parts.push(t('queue.counts.failed', { count: c.failed }));
  if (c.cancelled > 0) parts.push(t('queue.counts.cancelled', { count: c.cancelled }));
  if (c.awaiting > 0) parts.push(t('queue.counts.awaiting', { count: c.awaiting }));
  return parts;
}

/** A pause or cancel asked for and not yet taken effect. */
export type Pending = 'pause' | 'cancel' | null;

/**
 * What core shows of a pause or cancel still taking effect: the job is already paused or
 * cancelled, but its current photo runs on until it ends.
 */
export function settlingOf(job: Pick<JobSummary, 'status' | 'counts'>): Pending {
  if (job.counts.running <= 0) return null;
  if (job.status === 'paused') return 'pause';
  if (job.status === 'cancelled') return 'cancel';
  return null;
}

/** A button press still on its way (`local`) wins; otherwise what the job's own state shows. */
export function pendingOf(job: Pick<JobSummary, 'status' | 'counts'>, local: Pending): Pending {
  if (local === 'cancel') return 'cancel';
  const settling = settlingOf(job);
  if (settling === 'cancel') return 'cancel';
  return local ?? settling;
}

export type Tone = 'ok' | 'warn' | 'danger' | 'muted' | 'active';

/** The job's status in words and its colour: a job that ended with failures is not a clean done. */
export function jobStatusView(
  job: Pick<JobSummary, 'status' | 'counts'>,
  pending: Pending,
  { t }: Pick<QueueText, 't'>,
): { text: string; tone: Tone } {
  if (pending === 'pause') return { text: t('queue.status.pausing'), tone: 'muted' };
  if (pending === 'cancel') return { text: t('queue.status.cancelling'), tone: 'muted' };
  const text = t(JOB_STATUS_KEYS[job.status]);
  switch (job.status) {
    case 'done':
      return job.counts.failed > 0
        ? { text: t('status.doneWithFailures', { count: job.counts.failed }), tone: 'warn' }
        : { text, tone: 'ok' };
    case 'running':
      return { text, tone: 'active' };
    case 'queued':
    case 'paused':
    case 'cancelled':
      return { text, tone: 'muted' };
  }
}

/** The running job a queued one waits behind (the one that started first), or null. */
export function blockerOf(job: JobSummary, jobs: readonly JobSummary[]): JobSummary | null {
  if (job.status !== 'queued') return null;
  let best: JobSummary | null = null;
  for (const other of jobs) {
    if (other.id === job.id || other.status !== 'running') continue;
    if (!best || (other.startedAt ?? other.createdAt) < (best.startedAt ?? best.createdAt)) best = other;
  }
  return best;
}

/** "Waiting behind the Enhance job (best installed model, ×2, PNG)". */
export function waitingText(blocker: JobSummary | null, text: QueueText): string {
  if (!blocker) return text.t('queue.waiting');
  const options = describeOptions(blocker, text);
  const kind = kindName(blocker.kind, text);
  return options.length > 0
    ? text.t('queue.waitingBehind', { kind, options: options.join(', ') })
    : text.t('queue.waitingBehindPlain', { kind });
}

/** The last part of a path, whichever separator it uses. */
export const fileName = (path: string): string => path.split(/[/\\]/).pop() || path;

/**
 * Why an item failed, for people: core's message names the internal input path (an upload's
 * server path in the browser studio); it is replaced by what the user knows, and a leading
 * "name: " is dropped because the name is shown beside it.
 */
export function itemReason(item: Pick<JobItem, 'inputPath' | 'shownPath' | 'errorMessage'>): string {
  let message = (item.errorMessage ?? '').trim();
  if (message === '') return '';
  if (item.inputPath !== '') message = message.split(item.inputPath).join(item.shownPath);
  for (const prefix of [item.shownPath, fileName(item.shownPath)]) {
    if (prefix !== '' && message.startsWith(`${prefix}: `)) {
      message = message.slice(prefix.length + 2);
      break;
    }
  }
  return message.charAt(0).toUpperCase() + message.slice(1);
}

/** Whether trying a failed item again may help (a permanent code, like "not an image", cannot). */
export const itemRetryable = (item: Pick<JobItem, 'errorCode'>): boolean => isRetryable(item.errorCode);

/** Done and cancelled jobs: what `jobs.clearFinished` forgets. */
export const isFinished = (job: Pick<JobSummary, 'status'>): boolean =>
  job.status === 'done' || job.status === 'cancelled';
