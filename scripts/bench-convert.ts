/**
 * npm run bench:convert — converting PyTorch checkpoints to ONNX: how long it takes and how much
 * memory it needs, for the sizes users meet: a full-size RRDBNet (RealESRGAN_x4plus: 23 blocks,
 * num_feat 64, 67 MB) and a GFPGAN-size GFPGANv1Clean (512, channel multiplier 2, ~330 MB),
 * written by PyTorch itself (torch.save, random weights; Debian's python3-torch), plus the bundled
 * realesr-animevideov3.pth. Each conversion runs in a fresh process (read → detect → build →
 * serialise → write), median of BENCH_ROUNDS (default 3); peak RSS is that process's own.
 * Skips the PyTorch-made files with a message when `/usr/bin/python3 -c "import torch"` fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { convertToOnnx } from '../core/features/enhance/arch/detect.js';
import { gfpganTensorShapes } from '../core/features/enhance/arch/gfpgan.js';
import { RRDB_REFERENCE_PY } from '../core/features/enhance/arch/testing.js';
import { readCheckpoint } from '../core/features/enhance/checkpoint/read.js';

const self = fileURLToPath(import.meta.url);
const repo = resolve(dirname(self), '..', '..');
const rssPreload = pathToFileURL(join(repo, 'scripts', 'bench', 'rss-report.mjs')).href;
const PYTHON = '/usr/bin/python3';
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));

/** The child: one conversion, timed by phase, printed as JSON. */
async function convertOnce(file: string, out: string): Promise<void> {
  const t0 = performance.now();
  const weights = await readCheckpoint(file);
  const t1 = performance.now();
  const { info, bytes } = convertToOnnx(weights);
  const t2 = performance.now();
  writeFileSync(out, bytes);
  const t3 = performance.now();
  console.log(
    JSON.stringify({
      arch: info.arch,
      readMs: t1 - t0,
      buildMs: t2 - t1,
      writeMs: t3 - t2,
      totalMs: t3 - t0,
      onnxBytes: bytes.length,
    }),
  );
}

const MAKE = `
import json, sys
import torch
import torch.nn as nn
import torch.nn.functional as F
torch.manual_seed(0)
${RRDB_REFERENCE_PY}
out = sys.argv[1]
net = RRDBNet('rrdb', 4, 64, 23, 32)
torch.save({'params_ema': net.state_dict()}, f'{out}/rrdbnet-x4plus-size.pth')
shapes = json.load(open(f'{out}/gfpgan-shapes.json'))
state = {name: torch.randn(shape) * 0.02 for name, shape in shapes}
torch.save({'params_ema': state}, f'{out}/gfpgan-v1.4-size.pth')
`;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const mb = (bytes: number): string => (bytes / 1024 ** 2).toFixed(1);

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'pixelsmith-bench-convert-'));
  try {
    const files = [join(repo, 'resources', 'models', 'realesr-animevideov3.pth')];
    const torch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
    if (torch) {
      const shapes = gfpganTensorShapes({
        out_size: 512,
        num_style_feat: 512,
        channel_multiplier: 2,
        narrow: 1,
        sft_half: 1,
      });
      writeFileSync(join(root, 'gfpgan-shapes.json'), JSON.stringify(shapes));
      const made = spawnSync(PYTHON, ['-c', MAKE, root], {
        encoding: 'utf8',
        env: { ...process.env, OMP_NUM_THREADS: '2' },
      });
      if (made.status !== 0) throw new Error(`making the checkpoints failed:\n${made.stderr}`);
      files.push(join(root, 'rrdbnet-x4plus-size.pth'), join(root, 'gfpgan-v1.4-size.pth'));
    } else {
      console.log(`SKIP  the PyTorch-made checkpoints: ${PYTHON} cannot import torch`);
    }
    console.log(`bench:convert — checkpoint → ONNX in a fresh process each, median of ${ROUNDS}`);
    console.log(
      '  checkpoint                      file MB   arch              read ms  build ms  write ms  total ms  ONNX MB  peak RSS MB',
    );
    for (const file of files) {
      const rows: {
        readMs: number;
        buildMs: number;
        writeMs: number;
        totalMs: number;
        onnxBytes: number;
        arch: string;
        rssKb: number;
      }[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const out = join(root, 'out.onnx');
        const r = spawnSync(process.execPath, ['--import', rssPreload, self, '--convert', file, out], {
          encoding: 'utf8',
          env: { ...process.env, BENCH_RSS_DIR: root },
        });
        if (r.status !== 0) throw new Error(`converting ${file} failed:\n${r.stderr}`);
        const rss = JSON.parse(readFileSync(join(root, `${r.pid}.json`), 'utf8')) as { maxRssKb: number };
        rows.push({
          ...(JSON.parse(r.stdout.trim().split('\n').pop()!) as (typeof rows)[number]),
          rssKb: rss.maxRssKb,
        });
        rmSync(out, { force: true });
      }
      const pick = (k: 'readMs' | 'buildMs' | 'writeMs' | 'totalMs') =>
        median(rows.map((r) => r[k]))
          .toFixed(0)
          .padStart(8);
      console.log(
        `  ${file.split('/').pop()!.padEnd(30)} ${mb(statSync(file).size).padStart(8)}   ${rows[0]!.arch.padEnd(16)} ${pick('readMs')}  ${pick('buildMs')}  ${pick('writeMs')}  ${pick('totalMs')}  ${mb(rows[0]!.onnxBytes).padStart(7)}  ${(Math.max(...rows.map((r) => r.rssKb)) / 1024).toFixed(0).padStart(11)}`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--convert') await convertOnce(process.argv[3]!, process.argv[4]!);
else await main();
