import type { AppInfo } from '../../contract/schemas.js';

type OrtInfo = AppInfo['onnxruntime'];

const NOTES: Record<string, string> = {
  cpu: 'Always available.',
  cuda: 'Needs an NVIDIA GPU and the CUDA 12 libraries: reinstall with `npm install --onnxruntime-node-install=cuda12`.',
  tensorrt: 'Needs TensorRT and CUDA libraries installed on the machine.',
  dml: 'DirectML, on Windows with a DirectX 12 GPU.',
  coreml: 'Core ML, on macOS.',
  webgpu: 'WebGPU through Dawn; experimental in onnxruntime-node.',
};

let cached: Promise<OrtInfo> | undefined;

/**
 * The onnxruntime-node version and the execution providers this build knows. Loaded lazily: the
 * native runtime is only needed once a model runs, and a broken install must not stop the app.
 */
export function onnxRuntimeInfo(): Promise<OrtInfo> {
  cached ??= import('onnxruntime-node').then(
    (ort) => ({
      version: ort.env.versions.node ?? ort.env.versions.common ?? null,
      executionProviders: ort.listSupportedBackends().map((b) => ({
        name: b.name,
        bundled: b.bundled,
        note: NOTES[b.name] ?? '',
      })),
      error: null,
    }),
    (error: unknown) => ({
      version: null,
      executionProviders: [],
      error: `onnxruntime-node could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
    }),
  );
  return cached;
}
