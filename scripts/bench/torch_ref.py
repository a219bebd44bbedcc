#!/usr/bin/env python3
"""The PyTorch peer of `npm run bench:enhance`: realesr-animevideov3 as a Python user runs it.

SRVGGNetCompact (Real-ESRGAN's compact x4 network) written out here, weights from the .pth
(key 'params_ema' if present, else 'params', loaded strictly), on the CPU with as many threads
as this process may use. No Pixelsmith code is involved.

  torch_ref.py check WEIGHTS IN.f32 HEIGHT WIDTH OUT.f32
      runs the network on one NCHW float32 tensor (1×3×H×W, RGB in [0, 1]) read from IN.f32
      and writes its output (1×3×4H×4W float32) to OUT.f32, to compare with ONNX Runtime.
  torch_ref.py run WEIGHTS IN_IMAGE OUT.png PLAN.json
      upscales IN_IMAGE 4× on the tiles listed in PLAN.json (the same grid the benchmark's bare
      script and Pixelsmith use: a single tile for an image that fits one), each tile's input
      taken from the image reflect-padded by 10 px on the right and bottom, each tile's core
      copied into the output, and writes a PNG with zlib level 2.

Both print one JSON line on stdout: timings in ms, thread count, peak RSS in KB.
"""

import json
import os
import resource
import sys
import time

T0 = time.perf_counter()

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from PIL import Image  # noqa: E402
from torch import nn  # noqa: E402

IMPORT_MS = (time.perf_counter() - T0) * 1000
SCALE = 4
PRE_PAD = 10


class SRVGGNetCompact(nn.Module):
    """conv3x3(3→64) + PReLU, num_conv × (conv3x3(64→64) + PReLU), conv3x3(64→3·s²), PixelShuffle(s),
    plus the nearest-upsampled input."""

    def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=64, num_conv=16, upscale=SCALE):
        super().__init__()
        self.upscale = upscale
        body = [nn.Conv2d(num_in_ch, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)]
        for _ in range(num_conv):
            body += [nn.Conv2d(num_feat, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)]
        body.append(nn.Conv2d(num_feat, num_out_ch * upscale * upscale, 3, 1, 1))
        self.body = nn.ModuleList(body)
        self.upsampler = nn.PixelShuffle(upscale)

    def forward(self, x):
        out = x
        for layer in self.body:
            out = layer(out)
        out = self.upsampler(out)
        return out + F.interpolate(x, scale_factor=self.upscale, mode="nearest")


def load(weights):
    state = torch.load(weights, map_location="cpu")
    params = state["params_ema"] if "params_ema" in state else state["params"]
    net = SRVGGNetCompact()
    net.load_state_dict(params, strict=True)
    return net.eval()


def peak_rss_kb():
    """This process's own high-water mark (VmHWM): getrusage's includes, through exec, the
    forked copy of the benchmark that started it."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def report(**figures):
    figures.update(
        importMs=IMPORT_MS,
        totalMs=(time.perf_counter() - T0) * 1000,
        threads=torch.get_num_threads(),
        torch=torch.__version__,
        maxRssKb=peak_rss_kb(),
    )
    print(json.dumps(figures))


def check(weights, src, height, width, dst):
    t = time.perf_counter()
    net = load(weights)
    load_ms = (time.perf_counter() - t) * 1000
    x = torch.from_numpy(np.fromfile(src, dtype=np.float32).reshape(1, 3, height, width))
    with torch.inference_mode():
        t = time.perf_counter()
        y = net(x)
        infer_ms = (time.perf_counter() - t) * 1000
    y.numpy().astype(np.float32).tofile(dst)
    report(loadMs=load_ms, inferMs=infer_ms, runs=1)


def run(weights, src, dst, plan_path):
    t = time.perf_counter()
    net = load(weights)
    load_ms = (time.perf_counter() - t) * 1000
    with open(plan_path, encoding="utf-8") as f:
        tiles = json.load(f)["tiles"]
    t_pipe = time.perf_counter()
    img = np.asarray(Image.open(src).convert("RGB"))
    h, w = img.shape[:2]
    padded = np.pad(img, ((0, PRE_PAD), (0, PRE_PAD), (0, 0)), mode="reflect")
    out = np.empty((h * SCALE, w * SCALE, 3), dtype=np.uint8)
    infer_ms = 0.0
    s = SCALE
    with torch.inference_mode():
        for tile in tiles:
            cx, cy, cw, ch = tile["cx"], tile["cy"], tile["cw"], tile["ch"]
            x, y, tw, th = tile["x"], tile["y"], tile["w"], tile["h"]
            patch = padded[cy : cy + ch, cx : cx + cw].transpose(2, 0, 1)
            inp = torch.from_numpy(np.ascontiguousarray(patch)).float().div_(255).unsqueeze(0)
            t = time.perf_counter()
            res = net(inp)
            infer_ms += (time.perf_counter() - t) * 1000
            core = res[0, :, (y - cy) * s : (y - cy + th) * s, (x - cx) * s : (x - cx + tw) * s]
            core = core.clamp_(0, 1).mul_(255).round_().to(torch.uint8).permute(1, 2, 0).numpy()
            out[y * s : (y + th) * s, x * s : (x + tw) * s] = core
    Image.fromarray(out).save(dst, compress_level=2)
    pipeline_ms = (time.perf_counter() - t_pipe) * 1000
    report(loadMs=load_ms, inferMs=infer_ms, pipelineMs=pipeline_ms, runs=len(tiles))


def main(argv):
    # Debian's build starts with one OpenMP thread here; a fair peer uses the cores it may use.
    torch.set_num_threads(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())
    if len(argv) == 6 and argv[0] == "check":
        check(argv[1], argv[2], int(argv[3]), int(argv[4]), argv[5])
    elif len(argv) == 5 and argv[0] == "run":
        run(argv[1], argv[2], argv[3], argv[4])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
