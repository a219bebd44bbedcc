// Preloaded by bench-enhance (`node --import …/rss-report.mjs …`): when the process exits, it
// writes its peak resident set size to $BENCH_RSS_DIR/<pid>.json, so the benchmark can read the
// peak of a child it did not write (the CLI) the same way as of the ones it did.
//
// On Linux the peak is VmHWM from /proc/self/status, this process's own memory's high-water
// mark. getrusage's maxRSS is not: a child started by fork + exec inherits, through exec, the
// high-water mark of the forked copy of its parent, so every child of a benchmark that had
// grown to 617 MB reported at least 617 MB.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function peakKb() {
  if (process.platform === 'linux') {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]);
  }
  return process.resourceUsage().maxRSS;
}

const dir = process.env.BENCH_RSS_DIR;
if (dir) {
  process.on('exit', () => {
    try {
      const file = join(dir, `${process.pid}.json`);
      writeFileSync(file, JSON.stringify({ maxRssKb: peakKb() }));
    } catch {
      // Nothing to report to: the benchmark then says the figure is missing.
    }
  });
}
