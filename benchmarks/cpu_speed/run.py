"""CPU speed options of the toy diffusion editor (issue 22): memory format, bf16 autocast, torch.compile, batch size.

Usage: OMP_NUM_THREADS=1 python benchmarks/cpu_speed/run.py [REPEATS] [THREADS]

Every option runs the same job: one inversion of a toy face and 16 edits of it (the toy corpus's first prompts), with
no edit cache, through `LeditsEditor` and the shipped toy model's tuned settings (`toyworld.TOY_EDIT`). The options
are interleaved within each repeat, so a busy core slows all of them alike; the table gives the median seconds, the
ratio to the default (fp32, contiguous, batch 16) and the largest pixel difference from the default's images (in grey
levels; the editing tests allow 2 between batched and sequential runs of the same edits).
"""
import contextlib, statistics, sys, time
import numpy as np
import torch
from diffex import toyworld
from diffex.ledits import LeditsEditor

REPEATS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
THREADS = int(sys.argv[2]) if len(sys.argv) > 2 else 1

def job(pipe, batch, autocast):
    ed = LeditsEditor(pipe, batch_size=batch, **toyworld.TOY_EDIT)
    face = toyworld.draw(toyworld.sample_face(3))
    ctx = torch.autocast('cpu', dtype=torch.bfloat16) if autocast else contextlib.nullcontext()
    t0 = time.perf_counter()
    with ctx:
        inv = ed.invert(face, seed=0)
        ims = ed.edit(inv, PROMPTS)
    return time.perf_counter() - t0, ims, ed.unet_evals

def maxdiff(a, b): return max(np.abs(np.asarray(x, float) - np.asarray(y, float)).max() for x, y in zip(a, b))

if __name__ == '__main__':
    torch.set_num_threads(THREADS)
    world = toyworld.load()
    PROMPTS = [n.prompt for n in world.corpus.leaves()][:16]
    pipe = world.pipe
    plain = pipe.unet
    cl = toyworld.toy_pipeline().unet.to(memory_format=torch.channels_last)
    cl.load_state_dict(plain.state_dict())
    options = {'default (fp32, batch 16)': (plain, 16, False), 'channels_last': (cl, 16, False),
               'bf16 autocast': (plain, 16, True), 'batch 4': (plain, 4, False), 'batch 8': (plain, 8, False),
               'batch 32': (plain, 32, False)}
    try:
        compiled = torch.compile(plain)
        options['torch.compile'] = (compiled, 16, False)
    except Exception as e: print(f'torch.compile unavailable: {e!r}')
    secs, imgs, evals = {k: [] for k in options}, {}, {}
    for name, (unet, batch, ac) in options.items():     # warm-up (compilation happens here), not timed
        pipe.unet = unet
        t0 = time.perf_counter()
        try: _, imgs[name], evals[name] = job(pipe, batch, ac)
        except Exception as e: print(f'{name}: failed: {e!r}'); imgs[name] = None
        print(f'warm-up {name}: {time.perf_counter() - t0:.1f} s', flush=True)
    for r in range(REPEATS):
        for name, (unet, batch, ac) in options.items():
            if imgs[name] is None: continue
            pipe.unet = unet
            s, _, _ = job(pipe, batch, ac)
            secs[name].append(s)
        print(f'repeat {r + 1}/{REPEATS} done', flush=True)
    pipe.unet = plain
    base = statistics.median(secs['default (fp32, batch 16)'])
    ref = imgs['default (fp32, batch 16)']
    print(f'\n{torch.__version__}, {THREADS} thread(s), {REPEATS} repeats, 1 inversion + {len(PROMPTS)} edits per job, '
          f'{evals["default (fp32, batch 16)"]} UNet evaluations per job')
    print(f'{"option":28s} {"median s":>9s} {"vs default":>10s} {"max |px diff|":>14s}')
    for name in options:
        if not secs[name]: continue
        m = statistics.median(secs[name])
        print(f'{name:28s} {m:9.2f} {base / m:9.2f}x {maxdiff(imgs[name], ref):14.0f}')
