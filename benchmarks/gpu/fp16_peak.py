"""Why the SD 1.5-architecture GPU rows peaked at about twice the memory in float16 as in bfloat16 at K=16 (issue 22).

Usage: OMP_NUM_THREADS=1 python benchmarks/gpu/fp16_peak.py        (CPU; a few minutes; prints the figures)

The H200 run (benchmarks/gpu/results.json) measured peaks of 22,195 MiB (float16), 12,294 MiB (bfloat16) and
24,536 MiB (float32) at K=16: float16 sits next to float32, not next to bfloat16. The SD 1.5 VAE's config has
`force_upcast=True`, so `LeditsEditor._decode` (like the stock pipeline) turns a float16 VAE to float32 before decoding;
bfloat16 is not upcast. Decoding K images of 512 px at once keeps activations of K x 256 channels x 512 x 512 alive.
This script measures, on the CPU and with random weights of SD 1.5's VAE config, the peak resident memory that one
batched decode adds, for K = 1 and 2, in float32 and bfloat16, and with one image decoded at a time (what
`LeditsEditor` now does whenever it upcasts): the decode's peak grows by a fixed amount per image in float32, half
that in bfloat16, and does not grow with K when decoded one at a time.
"""
import gc
import torch
from diffusers import AutoencoderKL
from diffex.bench import Meter, SD15_VAE

def decode_peak(vae, k: int, sliced: bool) -> float:
    "Peak MiB above the start of one decode of `k` random latents (64x64, 4 channels)."
    z = torch.randn(k, 4, 64, 64, dtype=vae.dtype)
    gc.collect()
    with torch.no_grad(), Meter() as m:
        out = [vae.decode(zi[None]).sample for zi in z] if sliced else [vae.decode(z).sample]
    del out
    return m.peak_mib

if __name__ == '__main__':
    torch.set_num_threads(1); torch.manual_seed(0)
    vae = AutoencoderKL(**SD15_VAE).eval()
    print(f'SD 1.5 VAE config: force_upcast={vae.config.force_upcast}; decoder output 512 px')
    act = lambda k, b: k * 256 * 512 * 512 * b / 2**20
    print(f'one activation of the last up-blocks (K x 256 x 512 x 512): {act(1, 4):.0f} MiB per image in float32, '
          f'{act(1, 2):.0f} MiB in bfloat16/float16')
    rows = []
    for dtype in (torch.float32, torch.bfloat16):
        v = torch.nn.Module.to(vae, dtype)   # (diffusers' own `to` logs a warning on every dtype cast)
        for k, sliced in ((1, False), (2, False), (2, True)):
            rows.append((str(dtype).split('.')[1], k, sliced, decode_peak(v, k, sliced)))
            print(f'  {rows[-1][0]:9s} K={k} {"one at a time" if sliced else "batched":13s} peak +{rows[-1][3]:,.0f} MiB',
                  flush=True)
    per = {d: next(p for dd, k, s, p in rows if dd == d and k == 2 and not s) - next(p for dd, k, s, p in rows
                                                                                   if dd == d and k == 1)
           for d in ('float32', 'bfloat16')}
    print(f'added per image in a batched decode: float32 {per["float32"]:,.0f} MiB, bfloat16 {per["bfloat16"]:,.0f} MiB '
          f'(ratio {per["float32"] / per["bfloat16"]:.2f})')
    print(f'at K=16 a batched decode adds about 15 x that over K=1: float32 (float16 upcast) '
          f'{15 * per["float32"] / 1024:.1f} GiB, bfloat16 {15 * per["bfloat16"] / 1024:.1f} GiB; the H200 run\'s '
          f'float16 - bfloat16 difference was {(22195 - 12294) / 1024:.1f} GiB')
