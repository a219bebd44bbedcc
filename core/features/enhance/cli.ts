import { InvalidArgumentError, type Command } from 'commander';
import { ALPHA_MODES, BACKGROUND_MODES, ENHANCE_FORMATS, FACE_DETECTORS } from '../../contract/enhance.js';
import { formatBytes, formatDuration } from '../../contract/format.js';
import { absolute, withApi, type CliContext } from '../../kernel/cli/context.js';
import { runJobsToEnd } from '../../kernel/cli/jobs.js';

function number(kind: 'scale' | 'tile') {
  return (value: string): number | 'auto' => {
    if (kind === 'tile' && value === 'auto') return 'auto';
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) {
      throw new InvalidArgumentError(
        `Expected a positive number${kind === 'tile' ? ' or "auto"' : ''}, got "${value}".`,
      );
    }
    return n;
  };
}

interface EnhanceFlags {
  scale: number;
  model?: string;
  tile: number | 'auto';
  alpha: string;
  format: string;
  quality: number;
  out?: string;
  suffix?: string;
  overwrite?: boolean;
  face?: boolean;
  faceModel?: string;
  detector: string;
  onlyCenterFace?: boolean;
  largestFace?: boolean;
  strength: number;
  background: string;
}

const TASKS = ['upscale', 'face-restore', 'face-detect'] as const;

/** The contract's fields as the enhance command's flags, for its refusals. */
export const ENHANCE_FLAGS = {
  outscale: '--scale',
  model: '--model',
  tile: '--tile',
  alpha: '--alpha',
  format: '--format',
  quality: '--quality',
  outDir: '--out',
  suffix: '--suffix',
  face: '--face',
  faceModel: '--face-model',
  detector: '--detector',
  faces: '--only-center-face/--largest-face',
  strength: '--strength',
  background: '--background',
};

export function registerEnhanceCommands(program: Command, cli: CliContext): void {
  const { io } = cli;
  program
    .command('enhance')
    .description(
      'upscale photos with a Real-ESRGAN model, and restore faces with GFPGAN (--face) (ONNX Runtime: CUDA if installed, else CPU), as a resumable job',
    )
    .argument('<paths...>', 'files and folders (searched recursively)')
    .option(
      '--scale <n>',
      'output scale, e.g. 2 or 4 (a x4 model then resizes with Lanczos)',
      number('scale'),
      2,
    )
    .option('--model <id>', 'model id (see `pixelsmith models list`); default: the best installed upscaler')
    .option('--tile <n|auto>', 'tile size in input pixels, or auto', number('tile'), 'auto')
    .option('--alpha <mode>', `how transparency is upscaled: ${ALPHA_MODES.join(' or ')}`, 'lanczos')
    .option('--format <format>', `${ENHANCE_FORMATS.join(', ')} (same: as the input)`, 'same')
    .option('--quality <n>', 'quality 1-100 for jpg and webp', (v) => Number(v), 92)
    .option('--face', 'restore faces: detect, align, restore with a face model, paste back')
    .option('--face-model <id>', 'face restoration model (default: the best installed, e.g. GFPGANv1.4)')
    .option('--detector <name>', `face detector: ${FACE_DETECTORS.join(' or ')}`, 'retinaface')
    .option('--only-center-face', 'restore only the face nearest the centre')
    .option('--largest-face', 'restore only the largest face')
    .option(
      '--strength <n>',
      'face restoration strength 0-1 (0: the upscaled face, 1: the restored one)',
      (v) => Number(v),
      0.5,
    )
    .option(
      '--background <mode>',
      `how the photo around the faces is upscaled: ${BACKGROUND_MODES.join(' (the upscaling model) or ')} (a resize)`,
      'model',
    )
    .option(
      '--out <dir>',
      'output folder; the input folders are mirrored under it (default: a "pixelsmith" folder next to each photo)',
    )
    .option('--suffix <text>', 'added to each output name (default: the scale, e.g. _x2)')
    .option(
      '--overwrite',
      'replace files already at the output paths (default: a free name, e.g. "photo (2).jpg")',
    )
    .action((paths: string[], flags: EnhanceFlags) =>
      withApi(
        cli,
        async (api) => {
          const job = await api.jobs.create({
            kind: 'enhance',
            options: {
              outscale: flags.scale,
              tile: flags.tile,
              alpha: flags.alpha as never,
              format: flags.format as never,
              quality: flags.quality,
              ...(flags.model && { model: flags.model }),
              background: flags.background as never,
              ...(flags.face && {
                face: true,
                detector: flags.detector as never,
                strength: flags.strength,
                faces: flags.onlyCenterFace ? 'center' : flags.largestFace ? 'largest' : 'all',
                ...(flags.faceModel && { faceModel: flags.faceModel }),
              }),
            },
            paths: paths.map(absolute),
            outDir: flags.out === undefined ? undefined : absolute(flags.out),
            suffix: flags.suffix,
            ...(flags.overwrite && { overwrite: true }),
            priority: 'interactive',
          });
          io.out(`Job ${job.id} started: ${job.counts.total} file(s).\n`);
          const code = await runJobsToEnd(api, [job.id], io);
          const done = (await api.jobs.get({ id: job.id, limit: 1, status: 'done' })).items[0];
          const d = done?.details;
          if (d?.provider) io.out(`Model ${d.model} on ${d.provider}, tiles of ${d.tile}px.\n`);
          else if (d) io.out(`Background resized with Lanczos.\n`);
          if (d?.faceModel) {
            // Faces of the photos done in this run (up to 1000; a longer job shows them in `jobs show`).
            const items = (await api.jobs.get({ id: job.id, limit: 1000, status: 'done' })).items;
            const faces = items.reduce((n, item) => n + Number(item.details?.faces ?? 0), 0);
            const each =
              d.msPerFace === undefined ? '' : `, about ${formatDuration(Number(d.msPerFace))} per face`;
            io.out(
              `Faces: ${faces} restored in ${items.length} photo(s) with ${d.faceModel} on ${d.faceProvider}${each}.\n`,
            );
          }
          cli.setExit(code);
        },
        ENHANCE_FLAGS,
      ),
    );

  const models = program.command('models').description('list, download, import and remove models');
  models
    .command('list', { isDefault: true })
    .description('installed and available models')
    .action(() =>
      withApi(cli, async (api) => {
        for (const m of await api.models.list()) {
          const state = m.installed
            ? `installed (${m.source}${m.bytes ? `, ${formatBytes(m.bytes)}` : ''})`
            : m.downloadable
              ? 'available for download'
              : 'import-only';
          io.out(`${m.id.padEnd(26)} ${m.task.padEnd(12)} x${m.scale}  ${state}\n`);
        }
      }),
    );
  models
    .command('download')
    .argument('<id>')
    .description(
      'download a model, verify its size and sha256, convert a PyTorch checkpoint to ONNX, and install it (resumes a partial download)',
    )
    .action((id: string) =>
      withApi(cli, async (api) => {
        const offs = [
          api.on('models.downloadProgress', (p) => {
            if (io.isTTY) {
              io.err(`\r${formatBytes(p.received)} of ${p.total ? formatBytes(p.total) : '?'}\x1b[K`);
            }
          }),
          convertProgress(api, cli),
        ];
        try {
          const m = await api.models.download({ id });
          io.out(`\nInstalled ${m.id} at ${m.path}\n`);
        } finally {
          for (const off of offs) off();
        }
      }),
    );
  models
    .command('import')
    .argument('<file>', 'a PyTorch checkpoint (.pth, .safetensors) or an ONNX model (.onnx)')
    .option(
      '--id <id>',
      'id to give it (default: from the file name, or the catalog when its sha256 is known)',
    )
    .option('--task <task>', `${TASKS.join(', ')} (default: derived from the model)`)
    .option('--scale <n>', 'native scale (default: read from the weights or measured)', (v) => Number(v))
    .description(
      "import a model you have: a checkpoint is read without running any of its code, its network recognised from its weights (Real-ESRGAN, ESRGAN, GFPGAN) and converted to ONNX once; an ONNX model's inputs, outputs and scale are read from the model",
    )
    .action((file: string, opts: { id?: string; task?: string; scale?: number }) =>
      withApi(cli, async (api) => {
        const off = convertProgress(api, cli);
        try {
          const m = await api.models.import({ path: absolute(file), ...opts, task: opts.task as never });
          io.out(`Imported ${m.id}: ${m.task}, x${m.scale}, at ${m.path}\n`);
        } finally {
          off();
        }
      }),
    );
  models
    .command('remove')
    .argument('<id>')
    .description('remove a downloaded or imported model')
    .action((id: string) =>
      withApi(cli, async (api) => {
        await api.models.remove({ id });
        io.out(`Removed ${id}.\n`);
      }),
    );
}

/** Shows a checkpoint's conversion on a terminal ("converting 40 %"). */
function convertProgress(api: Parameters<Parameters<typeof withApi>[1]>[0], cli: CliContext): () => void {
  return api.on('models.convertProgress', (p) => {
    if (cli.io.isTTY) cli.io.err(`\rconverting ${p.id} to ONNX: ${Math.round(p.fraction * 100)} %\x1b[K`);
  });
}
