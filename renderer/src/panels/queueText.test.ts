import { describe, expect, it } from 'vitest';
import type { JobCounts, JobItem, JobSummary } from '../../../core/contract/jobs.js';
import type { Message } from '../i18n/message.js';
import { queueEn } from '../i18n/sections/queue.en.js';
import { shellEn } from '../i18n/sections/shell.en.js';
import {
  blockerOf,
  countsText,
  describeOptions,
  etaText,
  itemReason,
  itemRetryable,
  jobLabel,
  jobStatusView,
  kindName,
  pendingOf,
  settlingOf,
  speedText,
  waitingText,
  type QueueText,
} from './queueText.js';

/** English from the real catalogue sections; durations simplified to whole seconds or minutes. */
const catalogue: Record<string, Message> = { ...shellEn, ...queueEn };
const plural = new Intl.PluralRules('en');
const text: QueueText = {
  t(key, params = {}) {
    const entry = catalogue[key];
    if (entry === undefined) throw new Error(`missing key ${key}`);
    const template =
      typeof entry === 'string'
        ? entry
        : (entry[plural.select(Number(params.count ?? 0)) as 'one' | 'other'] ?? entry.other);
    return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
      params[name] === undefined ? whole : String(params[name]),
    );
  },
  number: (n, digits = 0) => new Intl.NumberFormat('en', { maximumFractionDigits: digits }).format(n),
  percent: (f) => new Intl.NumberFormat('en', { style: 'percent' }).format(f),
  duration: (ms) => (ms < 90_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`),
};

const counts = (c: Partial<JobCounts> = {}): JobCounts => ({
  total: 10,
  queued: 0,
  running: 0,
  awaiting: 0,
  done: 0,
  failed: 0,
  skipped: 0,
  cancelled: 0,
  retryable: 0,
  ...c,
});

const job = (j: Partial<JobSummary> = {}): JobSummary => ({
  id: '1a2b3c4d5e6f',
  kind: 'enhance',
  status: 'running',
  priority: 'background',
  options: { outscale: 2, tile: 'auto', alpha: 'lanczos', format: 'png', quality: 92 },
  outDir: null,
  overwrite: false,
  source: '/photos',
  createdAt: 1000,
  startedAt: 2000,
  finishedAt: null,
  counts: counts(),
  progress: 0,
  etaMs: null,
  itemsPerSecond: null,
  ...j,
});

describe('job names and options', () => {
  it('names the card by operation and short id', () => {
    expect(jobLabel(job(), text)).toBe('Enhance job 1a2b3c4d');
    expect(kindName('restyle', text)).toBe('Restyle');
  });

  it('describes enhance options in words', () => {
    expect(describeOptions(job(), text)).toEqual(['best installed model', '×2', 'PNG']);
    expect(
      describeOptions(
        job({ options: { model: 'realesrgan-x4', outscale: 4, format: 'jpg', quality: 90 } }),
        text,
      ),
    ).toEqual(['realesrgan-x4', '×4', 'JPEG', 'quality 90']);
    expect(describeOptions(job({ options: { outscale: 1.5, format: 'same' } }), text)).toEqual([
      'best installed model',
      '×1.5',
      'original format',
    ]);
  });

  it('describes convert options: format, quality, resize', () => {
    const convert = (options: Record<string, unknown>) =>
      describeOptions(job({ kind: 'convert', options }), text);
    expect(convert({ format: 'webp', quality: 80, maxSize: 2048 })).toEqual([
      'WebP',
      'quality 80',
      'longest side 2048 px',
    ]);
    expect(convert({ format: 'png', quality: 85, scale: 0.5 })).toEqual(['PNG', 'resized to 50%']);
    expect(convert({ format: 'same', quality: 85 })).toEqual([
      'original format',
      'quality 85',
      'original size',
    ]);
  });

  it('says nothing about options of a kind it does not know', () => {
    expect(describeOptions(job({ kind: 'face', options: { x: 1 } }), text)).toEqual([]);
  });
});

describe('speed and time left', () => {
  it('shows seconds per photo under one photo a second', () => {
    expect(speedText(1 / 12, text)).toBe('about 12 s per photo');
    expect(speedText(0.02, text)).toBe('about 50 s per photo');
  });
  it('shows photos per second otherwise', () => {
    expect(speedText(2.54, text)).toBe('2.5 photos per second');
    expect(speedText(1, text)).toBe('1 photo per second');
  });
  it('shows nothing when unknown', () => {
    expect(speedText(null, text)).toBeNull();
    expect(speedText(0, text)).toBeNull();
  });
  it('shows any known ETA, also before the first photo ends', () => {
    expect(etaText(180_000, text)).toBe('about 3 min left');
    expect(etaText(400, text)).toBe('almost done');
    expect(etaText(null, text)).toBeNull();
  });
});

describe('counts', () => {
  it('counts worked photos and names what is not plain done', () => {
    expect(countsText(job({ counts: counts({ done: 3 }) }), text)).toEqual(['3 of 10 photos']);
    expect(
      countsText(
        job({ counts: counts({ done: 5, skipped: 1, failed: 2, cancelled: 2, awaiting: 1 }) }),
        text,
      ),
    ).toEqual(['8 of 10 photos', '5 done', '1 already up to date', '2 failed', '2 cancelled', '1 waiting']);
    expect(countsText(job({ counts: counts({ total: 1 }) }), text)).toEqual(['0 of 1 photo']);
  });
});

describe('pause and cancel feedback', () => {
  it('is pending while the job is paused or cancelled but its photo still runs', () => {
    expect(settlingOf(job({ status: 'paused', counts: counts({ running: 1 }) }))).toBe('pause');
    expect(settlingOf(job({ status: 'cancelled', counts: counts({ running: 1 }) }))).toBe('cancel');
    expect(settlingOf(job({ status: 'paused' }))).toBeNull();
    expect(settlingOf(job({ status: 'running', counts: counts({ running: 1 }) }))).toBeNull();
  });

  it('shows a press on its way before core answers, cancel winning over pause', () => {
    const running = job({ counts: counts({ running: 1 }) });
    expect(pendingOf(running, 'pause')).toBe('pause');
    expect(pendingOf(running, null)).toBeNull();
    expect(pendingOf(job({ status: 'paused', counts: counts({ running: 1 }) }), 'cancel')).toBe('cancel');
    expect(pendingOf(job({ status: 'cancelled', counts: counts({ running: 1 }) }), 'pause')).toBe('cancel');
  });

  it('gives the badge the pending state', () => {
    expect(jobStatusView(job(), 'pause', text)).toEqual({ text: 'pausing', tone: 'muted' });
    expect(jobStatusView(job(), 'cancel', text)).toEqual({ text: 'cancelling', tone: 'muted' });
  });
});

describe('status', () => {
  it('tells a done job with failures from a clean one', () => {
    expect(
      jobStatusView(job({ status: 'done', counts: counts({ done: 8, failed: 2 }) }), null, text),
    ).toEqual({
      text: 'done, 2 failed',
      tone: 'warn',
    });
    expect(jobStatusView(job({ status: 'done', counts: counts({ done: 10 }) }), null, text)).toEqual({
      text: 'done',
      tone: 'ok',
    });
    expect(jobStatusView(job(), null, text).tone).toBe('active');
    expect(jobStatusView(job({ status: 'cancelled' }), null, text).tone).toBe('muted');
  });
});

describe('waiting behind another job', () => {
  const first = job({ id: 'first', startedAt: 100, options: { outscale: 4, format: 'png' } });
  const second = job({
    id: 'second',
    kind: 'convert',
    startedAt: 200,
    options: { format: 'jpg', quality: 80 },
  });
  const queued = job({ id: 'queued', status: 'queued', startedAt: null });

  it('names the running job that started first', () => {
    expect(blockerOf(queued, [queued, second, first])?.id).toBe('first');
    expect(waitingText(blockerOf(queued, [queued, second, first]), text)).toBe(
      'Waiting behind the Enhance job (best installed model, ×4, PNG).',
    );
  });

  it('has no blocker when nothing runs or the job is not queued', () => {
    expect(blockerOf(queued, [queued])).toBeNull();
    expect(waitingText(null, text)).toBe('Waiting to start.');
    expect(blockerOf(first, [first, second])).toBeNull();
  });
});

describe('failed items', () => {
  const item = (
    i: Partial<JobItem>,
  ): Pick<JobItem, 'inputPath' | 'shownPath' | 'errorMessage' | 'errorCode'> => ({
    inputPath: '/srv/data/uploads/9f3a/photo.jpg',
    shownPath: 'holiday/photo.jpg',
    errorMessage: null,
    errorCode: null,
    ...i,
  });

  it('never shows the internal upload path', () => {
    expect(itemReason(item({ errorMessage: '/srv/data/uploads/9f3a/photo.jpg: not an image.' }))).toBe(
      'Not an image.',
    );
    expect(
      itemReason(item({ errorMessage: 'could not read /srv/data/uploads/9f3a/photo.jpg (EACCES)' })),
    ).toBe('Could not read holiday/photo.jpg (EACCES)');
    expect(itemReason(item({ errorMessage: null }))).toBe('');
  });

  it('knows which failures a retry cannot mend', () => {
    expect(itemRetryable(item({ errorCode: 'NOT_AN_IMAGE' }))).toBe(false);
    expect(itemRetryable(item({ errorCode: 'CORRUPT_IMAGE' }))).toBe(false);
    expect(itemRetryable(item({ errorCode: 'WRITE_FAILED' }))).toBe(true);
    expect(itemRetryable(item({ errorCode: null }))).toBe(true);
  });
});
