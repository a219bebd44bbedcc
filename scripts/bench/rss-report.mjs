// Preloaded by bench-enhance (`node --import …/rss-report.mjs …`): when the process exits, it
// writes its peak resident set size to $BENCH_RSS_DIR/<pid>.json, so the benchmark can read the
// peak of a child it did not write (the CLI) the same way as of the ones it did.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.BENCH_RSS_DIR;
if (dir) {
  process.on('exit', () => {
    try {
      const file = join(dir, `${process.pid}.json`);
      writeFileSync(file, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }));
    } catch {
      // Nothing to report to: the benchmark then says the figure is missing.
    }
  });
}
