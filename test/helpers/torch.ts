/**
 * PyTorch as an independent reference (Debian's python3-torch, never a runtime dependency):
 * tests write small Python modules of their own and compare our results with torch's. Locally the
 * tests that need it skip with a message when torch is absent; in CI (CI=true, where .ci/run
 * installs python3-torch) its absence is an error, so they can never be skipped silently.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PYTHON = '/usr/bin/python3';

function probeTorch(): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore', timeout: 120_000 });
  return r.status === 0;
}

/** Whether `/usr/bin/python3 -c "import torch"` works here. */
export const torchAvailable: boolean = probeTorch();

if (!torchAvailable) {
  if (process.env.CI === 'true') {
    throw new Error(`${PYTHON} cannot import torch; .ci/run installs python3-torch for these tests.`);
  }
  console.warn(
    `PyTorch reference tests skipped: ${PYTHON} cannot import torch (apt-get install -y python3-torch).`,
  );
}

/**
 * Runs a Python script (its source, written to a temporary file) with `args`; returns its stdout.
 * Throws with the script's stderr when it exits non-zero. Torch uses two threads: CI has two cores.
 */
export function runPython(source: string, args: string[] = [], timeoutMs = 600_000): string {
  const dir = mkdtempSync(join(tmpdir(), 'pixelsmith-py-'));
  try {
    const file = join(dir, 'script.py');
    writeFileSync(file, source);
    const r = spawnSync(PYTHON, [file, ...args], {
      encoding: 'utf8',
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, OMP_NUM_THREADS: '2', PYTHONDONTWRITEBYTECODE: '1' },
    });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`python exited with ${r.status}:\n${r.stderr.slice(-4000)}`);
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
