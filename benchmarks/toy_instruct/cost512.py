"""Cost of an instruction editor (InstructPix2Pix) beside LEDITS++ at Stable Diffusion 1.5's size: 512 px images, SD 1.5's
UNet, VAE and CLIP text encoder configurations with RANDOM weights (the compute of the released weights, not their edits),
float32 on one CPU thread.

    OMP_NUM_THREADS=1 nice -n 5 .venv/bin/python benchmarks/toy_instruct/cost512.py [--steps 2] [--out FILE]

What it measures, per editor, each in a fresh process (so that the peak memory is that editor's alone):
- seconds per UNet evaluation (one image row through the UNet: the time of every UNet call over the rows it took), at 512 px,
  from one inversion, one null edit and one edit run at `--steps` denoising steps (a few: the point is the time per evaluation).
  The seconds are the process's CPU time (`time.process_time`, one thread), what the work takes on a core of its own: the
  machine's cores are shared, so wall-clock time (also printed) counts other jobs' turns too;
- CPU seconds per VAE encode and decode of one 512 px image;
- peak resident memory of the process (`resource.getrusage`, ru_maxrss: weights, activations and Python together;
  `tracemalloc` would miss torch's tensor memory), and the resident memory after building the models (mostly weights).
UNet evaluations per edit at 20 steps (K=8 edits of one image) are counted by the editors themselves on a reduced model of the
same layout (`cost.py`'s components at 64 px; the count does not depend on the size). The per-edit seconds at 20 steps are then
EXTRAPOLATED: evaluations x seconds per evaluation, plus one VAE decode; they are not timed end to end.
"""
import argparse, json, os, resource, subprocess, sys, time
from pathlib import Path
import numpy as np
import torch
from PIL import Image

HERE = Path(__file__).resolve().parent

def sd15_components(in_channels: int, seed: int = 0):
    "SD 1.5's UNet (with `in_channels`), VAE and CLIP ViT-L/14 text encoder, from their configurations, random weights."
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel
    from diffex.tiny import tiny_tokenizer
    torch.manual_seed(seed)
    tok = tiny_tokenizer(max_length=77)
    te = CLIPTextModel(CLIPTextConfig(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                                      num_attention_heads=12, max_position_embeddings=77, hidden_act='quick_gelu',
                                      bos_token_id=0, eos_token_id=1, pad_token_id=1))
    vae = AutoencoderKL(block_out_channels=(128, 256, 512, 512), down_block_types=('DownEncoderBlock2D',) * 4,
                        up_block_types=('UpDecoderBlock2D',) * 4, latent_channels=4, layers_per_block=2, sample_size=512)
    unet = UNet2DConditionModel(sample_size=64, in_channels=in_channels, out_channels=4, layers_per_block=2,
                                block_out_channels=(320, 640, 1280, 1280),
                                down_block_types=('CrossAttnDownBlock2D',) * 3 + ('DownBlock2D',),
                                up_block_types=('UpBlock2D',) + ('CrossAttnUpBlock2D',) * 3,
                                cross_attention_dim=768, attention_head_dim=8)
    return tok, te.eval(), vae.eval(), unet.eval()

def _schedulers():
    from diffusers import DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler
    kw = dict(num_train_timesteps=1000, beta_schedule='scaled_linear', beta_start=0.00085, beta_end=0.012)
    return (EulerAncestralDiscreteScheduler(**kw),
            DPMSolverMultistepScheduler(**kw, algorithm_type='sde-dpmsolver++', solver_order=2, steps_offset=1))

def build(kind: str, components, k: int, steps: int):
    "The editor `kind` ('instruct' or 'ledits') on `components` (tok, te, vae, unet), K edits per loop."
    from diffex.editing import quiet_processor_note
    with quiet_processor_note():
        from diffusers import LEditsPPPipelineStableDiffusion, StableDiffusionInstructPix2PixPipeline
    from diffex.instruct import InstructEditor
    from diffex.ledits import LeditsEditor
    tok, te, vae, unet = components
    euler, dpm = _schedulers()
    kw = dict(vae=vae, text_encoder=te, tokenizer=tok, unet=unet, safety_checker=None, feature_extractor=None,
              requires_safety_checker=False)
    if kind == 'instruct':
        return InstructEditor(StableDiffusionInstructPix2PixPipeline(scheduler=euler, **kw), batch_size=k, num_inference_steps=steps)
    return LeditsEditor(LEditsPPPipelineStableDiffusion(scheduler=dpm, **kw), batch_size=k, num_inversion_steps=steps,
                        use_masks=False)

PROMPTS = ['beard', 'glasses', 'hat', 'smiling', 'red hair', 'face', 'a', 'photo']

def _count_vae(vae) -> dict:
    "Wrap `vae.encode` and `vae.decode` to count the images through each; returns the live counts."
    n = dict(encode=0, decode=0)
    for name in n:
        f = getattr(vae, name)
        def wrapped(x, *a, _f=f, _n=name, **kw):
            n[_n] += x.shape[0]
            return _f(x, *a, **kw)
        setattr(vae, name, wrapped)
    return n

def counts(steps: int = 20, k: int = 8) -> dict:
    """UNet evaluations and VAE encodes/decodes per inversion, null edit and edit, counted at `steps` steps and K=`k` edits of
    one image on a reduced model (`cost.py`'s components at 64 px): the editors' own counts, which do not depend on the size."""
    sys.path.insert(0, str(HERE))
    from cost import components
    img = Image.fromarray((np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8))
    out = {}
    for kind, ch in (('instruct', 8), ('ledits', 4)):
        tok, te, vae, unet, _ = components(64)
        ed = build(kind, (tok, te, vae, unet(ch)), k, steps)
        v = _count_vae(vae)
        inv = ed.invert(img, seed=0); ui, vi = ed.unet_evals, dict(v)
        ed.reconstruct(inv); un, vn = ed.unet_evals - ui, dict(v)
        ed.edit(inv, PROMPTS[:k]); uk = ed.unet_evals - ui - un
        out[kind] = dict(invert=ui, null=un, per_edit=uk / k, invert_encodes=vi['encode'], invert_decodes=vi['decode'],
                         null_decodes=vn['decode'] - vi['decode'], decodes_per_edit=(v['decode'] - vn['decode']) / k)
    return out

def _rss_mib() -> float:
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmRSS:'): return int(line.split()[1]) / 1024
    return float('nan')

def timed(kind: str, steps: int) -> dict:
    "Run in a child process: build the 512 px editor, time one inversion, one null edit and one edit at `steps` steps."
    t0 = time.time()
    comps = sd15_components(8 if kind == 'instruct' else 4)
    ed = build(kind, comps, 1, steps)
    build_s, rss_built = time.time() - t0, _rss_mib()
    unet, vae = comps[3], comps[2]
    calls = dict(unet=[0.0, 0.0, 0], encode=[0.0, 0.0, 0], decode=[0.0, 0.0, 0])   # CPU s, wall s, rows
    start = {}
    def pre(mod, args, kwargs): start['t'] = (time.process_time(), time.perf_counter())
    def post(mod, args, kwargs, out):
        x = args[0] if args else kwargs['sample']
        _add('unet', start['t'], x.shape[0])
    def _add(name, t, rows):
        c = calls[name]; c[0] += time.process_time() - t[0]; c[1] += time.perf_counter() - t[1]; c[2] += rows
    unet.register_forward_pre_hook(pre, with_kwargs=True)
    unet.register_forward_hook(post, with_kwargs=True)
    for name in ('encode', 'decode'):
        f = getattr(vae, name)
        def wrapped(x, *a, _f=f, _n=name, **kw):
            t = (time.process_time(), time.perf_counter()); r = _f(x, *a, **kw)
            _add(_n, t, x.shape[0])
            return r
        setattr(vae, name, wrapped)
    img = Image.fromarray((np.random.default_rng(0).random((512, 512, 3)) * 255).astype(np.uint8))
    stages = {}
    t = time.time(); inv = ed.invert(img, seed=0); stages['invert_s'] = time.time() - t; u0 = ed.unet_evals
    t = time.time(); ed.reconstruct(inv); stages['null_s'] = time.time() - t; u1 = ed.unet_evals
    t = time.time(); ed.edit(inv, PROMPTS[:1]); stages['edit_s'] = time.time() - t; u2 = ed.unet_evals
    per = {k: (v[0] / v[2] if v[2] else float('nan')) for k, v in calls.items()}
    wall = {k: (v[1] / v[2] if v[2] else float('nan')) for k, v in calls.items()}
    return dict(kind=kind, steps=steps, unet_params_m=sum(p.numel() for p in unet.parameters()) / 1e6, build_s=build_s,
                **stages, evals=dict(invert=u0, null=u1 - u0, edit=u2 - u1), unet_rows=calls['unet'][2], wall_per_eval=wall['unet'],
                s_per_eval=per['unet'], s_per_encode=per['encode'], s_per_decode=per['decode'],
                decodes=calls['decode'][2], encodes=calls['encode'][2],
                rss_built_mib=rss_built, peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--steps', type=int, default=2, help='denoising (and inversion) steps of the timed 512 px runs (default 2)')
    p.add_argument('--out', default=str(HERE/'cost512_cpu.txt'), help='where the table is written (default: beside this script)')
    p.add_argument('--json', default=str(HERE/'cost512_cpu.json'),
                   help='the 512 px measurements, written (or read with --reuse) here (default: beside this script)')
    p.add_argument('--reuse', action='store_true',
                   help='read the 512 px measurements from --json instead of running them again (the counts always run)')
    p.add_argument('--child', choices=['instruct', 'ledits'], help=argparse.SUPPRESS)
    a = p.parse_args()
    torch.set_num_threads(1)
    if a.child:
        print(json.dumps(timed(a.child, a.steps)), flush=True)
        return
    t_all = time.time()
    n = counts()
    if a.reuse:
        saved = json.loads(Path(a.json).read_text())
        res, when, load, steps = saved['runs'], saved['when'], saved['load'], saved['steps']
    else:
        res, steps = {}, a.steps
        for kind in ('instruct', 'ledits'):
            r = subprocess.run([sys.executable, __file__, '--child', kind, '--steps', str(steps)], capture_output=True, text=True,
                               env={**os.environ, 'OMP_NUM_THREADS': '1'})
            if r.returncode: sys.exit(f'the {kind} run failed:\n{r.stderr[-3000:]}')
            res[kind] = json.loads(r.stdout.strip().splitlines()[-1])
            print(f'{kind}: {json.dumps(res[kind])}', file=sys.stderr, flush=True)
        when, load = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), ' '.join(f'{x:.2f}' for x in os.getloadavg())
        Path(a.json).write_text(json.dumps(dict(when=when, load=load, steps=steps, runs=res), indent=1) + '\n')
    lines = [f'{when}, load {load} (2 cores shared with other jobs and a '
             f'training run): OMP_NUM_THREADS=1 nice -n 5 .venv/bin/python benchmarks/toy_instruct/cost512.py --steps {steps}',
             f'SD 1.5 configuration, RANDOM weights, 512 px, float32, 1 CPU thread, torch {torch.__version__}; '
             f'UNet {res["instruct"]["unet_params_m"]:.0f} M parameters (8 input channels) / {res["ledits"]["unet_params_m"]:.0f} M (4)',
             '',
             'measured at 512 px (one inversion, one null edit, one edit, each at '
             f'{steps} steps; K=1):',
             f"{'editor':9s} {'CPU s/UNet eval':>15s} {'(wall s)':>8s} {'evals timed':>11s} {'s/VAE enc':>9s} {'s/VAE dec':>9s} "
             f"{'RSS built':>9s} {'peak RSS':>9s} {'build s':>7s}"]
    for kind, r in res.items():
        lines.append(f"{kind:9s} {r['s_per_eval']:15.2f} {r['wall_per_eval']:8.2f} {r['unet_rows']:11d} {r['s_per_encode']:9.2f} {r['s_per_decode']:9.2f} "
                     f"{r['rss_built_mib'] / 1024:7.1f} G {r['peak_rss_mib'] / 1024:7.1f} G {r['build_s']:7.0f}")
    lines += ['', 'UNet evaluations at 20 steps, K=8 edits of one image (counted by the editors on a reduced model of the same '
              'layout), and the CPU seconds they EXTRAPOLATE to at 512 px (evaluations x s/eval + the VAE encodes and decodes the '
              'editors make, counted alike, x their s; not timed end to end):',
              f"{'editor':9s} {'invert evals':>12s} {'null evals':>10s} {'evals/edit':>10s} {'invert s':>9s} {'null s':>7s} "
              f"{'s/edit':>7s} {'s/image (inv+null+8 edits)':>27s}"]
    for kind, r in res.items():
        c, se, dec, enc = n[kind], r['s_per_eval'], r['s_per_decode'], r['s_per_encode']
        inv_s = c['invert'] * se + c['invert_encodes'] * enc + c['invert_decodes'] * dec
        null_s, edit_s = c['null'] * se + c['null_decodes'] * dec, c['per_edit'] * se + c['decodes_per_edit'] * dec
        lines.append(f"{kind:9s} {c['invert']:12d} {c['null']:10d} {c['per_edit']:10.1f} {inv_s:9.0f} {null_s:7.0f} {edit_s:7.0f} "
                     f"{inv_s + null_s + 8 * edit_s:27.0f}")
    lines.append('(VAE images per inversion / null edit / edit: ' + '; '.join(
        f"{k} {c['invert_encodes']} encode + {c['invert_decodes']} decode / {c['null_decodes']} / {c['decodes_per_edit']:g}"
        for k, c in n.items()) + ')')
    if not a.reuse: lines.append(f'({time.time() - t_all:.0f} s in all)')
    text = '\n'.join(lines) + '\n'
    Path(a.out).write_text(text)
    print(text, end='')

if __name__ == '__main__': main()
