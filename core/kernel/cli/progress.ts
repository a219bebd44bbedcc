import type { Api } from '../../contract/client.js';
import { formatDuration } from '../../contract/format.js';

export interface ProgressOut {
  write(text: string): void;
  isTTY: boolean;
}

/**
 * A terminal progress bar for one job, fed by `job.progress` events: a redrawn bar on a TTY,
 * a line every 10 % (or 5 s) otherwise, so logs stay readable.
 */
export function followJob(api: Pick<Api, 'on'>, jobId: string, out: ProgressOut): () => void {
  let lastLine = 0;
  let lastStep = -1;
  const off = api.on('job.progress', (payload) => {
    if (payload.jobId !== jobId) return;
    const { counts, progress, etaMs, itemsPerSecond } = payload;
    const finished = counts.done + counts.skipped + counts.failed + counts.cancelled;
    const pct = Math.floor(progress * 100);
    const parts = [
      `${finished}/${counts.total}`,
      `${pct}%`,
      itemsPerSecond === null ? '' : `${itemsPerSecond.toFixed(1)} items/s`,
      etaMs === null ? '' : `ETA ${formatDuration(etaMs)}`,
      counts.failed > 0 ? `${counts.failed} failed` : '',
    ].filter(Boolean);
    if (out.isTTY) {
      const width = 24;
      const full = Math.round(progress * width);
      out.write(`\r[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${parts.join('  ')}\x1b[K`);
      return;
    }
    const step = Math.floor(pct / 10);
    const now = Date.now();
    if (step !== lastStep || now - lastLine > 5000) {
      lastStep = step;
      lastLine = now;
      out.write(`progress: ${parts.join('  ')}\n`);
    }
  });
  return () => {
    off();
    if (out.isTTY) out.write('\n');
  };
}
