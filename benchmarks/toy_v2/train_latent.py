"""Toy world v2 (issue 23, step 1) end to end, resumable: rerunning the same command continues where it stopped.

    nohup .venv/bin/python benchmarks/toy_v2/train_latent.py --steps 3500 > runs/toy_v2.out 2>&1 &
    echo $! > runs/toy_v2.pid; tail -f runs/toy_v2.out

Stages, each skipped when already done; one process, so never two trainings at once:
 1. vae      resume `train_vae` in --vae-run up to --vae-steps with the recipe given (--vae-lr, --vae-detail, --vae-l1,
             --vae-lab, --vae-ema-from), 250 steps at a time, measuring the gate (EMA and raw weights) after each;
             the defaults are runs/vae64's recipe from step 2,000 on (edge-weighted squared error, detail 10, plus
             mean absolute error, l1 1, the pixel loss Stable Diffusion's autoencoder was trained with; the EMA
             restarted at 2,000). Before: 0-1,000 plain MSE at lr 1e-3, 1,000-1,500 at 3e-4, 1,500-2,000 detail 10
             (nbs/train/03_latent_world.ipynb).
 2. gate     `reconstruction_gate` of its exported EMA weights (or, --vae-weights raw, of the checkpoint's raw weights
             at the same step, exported to <vae-run>/vae_raw) on 1,000 held-out faces (-> <vae-run>/gates.jsonl); stops
             here when a family is under 0.99, unless --ignore-gate
 3. latent   `train_latent_diffusion` for --steps on that VAE (its scaling fitted and frozen at the start) -> runs/latent64
 4. pixel    the 32 px model at the same step, batch (32) and seed (0): from the repository's history when a commit
             shipped it at exactly that step (the shipped run used this recipe; --pixel train forces training), else
             `train_diffusion` from scratch -> runs/pixel32
 5. compare  text-to-image agreement per family (--n-t2i captions), edit success and locality on every editable path
             (--n-edit faces each; the gate's faces and seeds), load time and time per step, for the latent model, the
             32 px model at the same step and the shipped model -> benchmarks/toy_v2/compare.jsonl, sample grids
"""
import argparse, json, shutil, subprocess, sys, time
from pathlib import Path
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from vae_gate import measure as vae_gate   # noqa: E402

GRID_PROMPTS = ['smiling', 'frowning', 'top hat', 'dark skin', 'round glasses', 'full beard']

def say(*a): print(time.strftime('%H:%M:%S'), *a, flush=True)

def ck_step(path: Path, keys) -> int:
    "The step of the checkpoint at `path`, or 0 without one."
    from diffex.toytrain import load_checkpoint
    return int(load_checkpoint(path, keys)['step']) if path.exists() else 0

def history_commit(step: int) -> str|None:
    "A commit that shipped the 32 px toy model at exactly `step`, or None."
    f = 'diffex/data/toyworld/sd/training.json'
    for c in subprocess.run(['git', 'log', '--format=%H', '--', f], cwd=ROOT, capture_output=True, text=True).stdout.split():
        shown = subprocess.run(['git', 'show', f'{c}:{f}'], cwd=ROOT, capture_output=True, text=True)
        if shown.returncode == 0 and json.loads(shown.stdout).get('step') == step: return c
    return None

def from_history(commit: str, dst: Path):
    "Write the toy model folder of `commit` to `dst`."
    src = 'diffex/data/toyworld/sd'
    names = subprocess.run(['git', 'ls-tree', '-r', '--name-only', commit, src], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    tmp = dst.with_name(dst.name + '.tmp')
    shutil.rmtree(tmp, ignore_errors=True)    # a copy a stopped run left half-written
    for n in names:
        p = tmp/Path(n).relative_to(src); p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(subprocess.run(['git', 'show', f'{commit}:{n}'], cwd=ROOT, capture_output=True, check=True).stdout)
    (tmp/'history.json').write_text(json.dumps({'commit': commit}))
    tmp.rename(dst)

def export_raw(vae_run: Path) -> Path:
    "The raw (non-EMA) weights of the VAE checkpoint in `vae_run`, exported like `train_vae` exports its EMA -> vae_raw/."
    from diffusers import AutoencoderKL
    from diffex.toylatent import VAE_CHECKPOINT_KEYS
    from diffex.toytrain import load_checkpoint
    ck, dst = load_checkpoint(vae_run/'checkpoint.pt', VAE_CHECKPOINT_KEYS), vae_run/'vae_raw'
    step = json.loads((vae_run/'vae'/'training.json').read_text())['step']
    if int(ck['step']) != step: sys.exit(f"checkpoint at step {ck['step']}, EMA export at {step}: resume the VAE first")
    if (dst/'training.json').exists() and json.loads((dst/'training.json').read_text())['step'] == step: return dst
    vae = AutoencoderKL.from_pretrained(vae_run/'vae'); vae.load_state_dict(ck['vae'])
    vae.save_pretrained(dst, safe_serialization=True)
    (dst/'training.json').write_text(json.dumps({'step': step, 'weights': 'raw'}))
    return dst

def median_sec_per_step(log: Path, upto: int) -> float|None:
    "Median logged seconds per step up to `upto` (CPU steps only; the logs say when a run moved to a GPU)."
    from diffex.toytrain import JsonLog
    v, dev = [], 'cpu'
    for r in JsonLog(log).read():
        if r.get('event'): dev = r.get('device', 'cpu') if r['event'] in ('resume', 'start') else dev
        elif 'sec_per_step' in r and r['step'] <= upto and dev == 'cpu': v.append(r['sec_per_step'])
    return round(float(np.median(v)), 3) if v else None

def compare(models: dict, args):
    "Measure each model once per metric; append to compare.jsonl; skip what is there."
    from diffex import toyworld
    from diffex.toytrain import JsonLog, text_to_image_agreement, text_to_image_pipeline, edit_success, edit_summary, gated
    rec = Path(args.record); out = JsonLog(rec)
    settings = dict(n_t2i=args.n_t2i, n_edit=args.n_edit)
    done = {(r['model'], r['metric']) for r in out.read() if r.get('settings') == settings}
    with toyworld._quiet(): __import__('diffusers').LEditsPPPipelineStableDiffusion   # imports outside the load timing
    for name, m in models.items():
        todo = [k for k in args.metrics.split(',') if (name, k) not in done]
        if not todo: continue
        t0 = time.time(); pipe = m['load'](); load_s = time.time() - t0
        world = toyworld.load(diffusion=False); world.pipe = pipe
        base = dict(model=name, step=m['step'], size=m['size'], settings=settings)
        if 'load' in todo:
            out(**base, metric='load', seconds=round(load_s, 2), sec_per_step_log=m['sec_per_step'],
                params_unet=sum(p.numel() for p in pipe.unet.parameters()),
                widths=list(pipe.unet.config.block_out_channels))
        if 'samples' in todo:   # a grid of 16 captions, the first of the t2i set, shown at 64 px per face
            import random
            sd = text_to_image_pipeline(pipe)
            rng = random.Random(0); faces = [toyworld.sample_face(rng) for _ in range(16)]
            ims = sd([toyworld.caption(f) for f in faces], num_inference_steps=30, guidance_scale=4.0, height=m['size'],
                     width=m['size'], generator=torch.Generator().manual_seed(0)).images
            toyworld.image_grid(ims, ncols=8, scale=64 // m['size']).save(rec.parent/f'samples_{name}.png')
            out(**base, metric='samples', file=f'samples_{name}.png')
        if 'edit_grid' in todo:   # per face (row): input, null edit, then one edit per prompt, shown at 64 px per face
            ed, ims = world.editor(resolution=m['size']), []
            for f, _ in world.sample(4, seed=0):
                inv = ed.invert(toyworld.render(f, m['size']), seed=0)
                ims += [toyworld.render(f, m['size']), ed.reconstruct(inv)] + ed.edit(inv, GRID_PROMPTS)
            toyworld.image_grid(ims, ncols=2 + len(GRID_PROMPTS), scale=64 // m['size']).save(rec.parent/f'edits_{name}.png')
            out(**base, metric='edit_grid', file=f'edits_{name}.png', prompts=GRID_PROMPTS)
        if 't2i' in todo:
            t0 = time.time(); t2i = text_to_image_agreement(world, n=args.n_t2i, size=m['size'])
            out(**base, metric='t2i', agreement={k: round(v, 3) for k, v in t2i.items()}, seconds=round(time.time() - t0))
            say(name, 't2i', t2i)
        if 'edits' in todo:
            t0 = time.time()
            rows = edit_success(world, n=args.n_edit, editor=world.editor(resolution=m['size']), size=m['size'])
            out(**base, metric='edits', rows=rows, leaves=edit_summary([r for r in rows if gated(r['path'])]),
                seconds=round(time.time() - t0))
            say(name, 'edits', edit_summary([r for r in rows if gated(r['path'])]))

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--steps', type=int, default=3500, help='training steps of both text-to-image models')
    ap.add_argument('--widths', default='64,128,128', help="the latent UNet's channels per level")
    ap.add_argument('--vae-run', default='runs/vae64'); ap.add_argument('--vae-steps', type=int, default=4000)
    ap.add_argument('--vae-lr', type=float, default=3e-4)
    ap.add_argument('--vae-detail', type=float, default=10.0); ap.add_argument('--vae-l1', type=float, default=1.0)
    ap.add_argument('--vae-lab', type=float, default=0.0)
    ap.add_argument('--vae-ema-from', type=int, default=2000, help='the EMA restarts when the VAE resumes at this step')
    ap.add_argument('--vae-weights', choices=('ema', 'raw'), default='ema',
                    help="which of the VAE's weights the gate measures and the latent model freezes: the exported EMA "
                         "(vae/) or the checkpoint's raw weights at the same step (exported to vae_raw/)")
    ap.add_argument('--ignore-gate', action='store_true', help='train the latent model even if the VAE fails its gate')
    ap.add_argument('--pixel', choices=('auto', 'train'), default='auto',
                    help='auto: the 32 px model from the repository history when it has that step, else train it')
    ap.add_argument('--latent-run', default='runs/latent64'); ap.add_argument('--pixel-run', default='runs/pixel32')
    ap.add_argument('--n-t2i', type=int, default=200); ap.add_argument('--n-edit', type=int, default=50)
    ap.add_argument('--metrics', default='load,samples,edit_grid,t2i,edits',
                    help='which measurements to take (two processes can split them: load,samples,edit_grid,t2i and edits)')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--models', default='latent,pixel,shipped',
                    help='which models to compare; without latent, stages 1-3 are skipped (the 32 px models can be '
                         'measured on another core while the VAE and the latent model train)')
    ap.add_argument('--record', default=str(HERE/'compare.jsonl'), help='where the comparison goes (sample grids beside it)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    from diffex.toylatent import train_vae, train_latent_diffusion, latent_pipeline, VAE_CHECKPOINT_KEYS
    from diffex.toytrain import train_diffusion, CHECKPOINT_KEYS
    from diffex.toyworld import toy_pipeline
    vae_run, lat, pix = ROOT/args.vae_run, ROOT/args.latent_run, ROOT/args.pixel_run
    N, widths = args.steps, tuple(int(w) for w in args.widths.split(','))
    wanted = set(args.models.split(','))

    # 1. the VAE
    while ('latent' in wanted and not (lat/'vae').exists()
           and (at := ck_step(vae_run/'checkpoint.pt', VAE_CHECKPOINT_KEYS)) < args.vae_steps):
        keep = vae_run/f'checkpoint_{at}.pt'    # where a new recipe starts, keep the old one's last checkpoint
        if at == args.vae_ema_from and not keep.exists(): shutil.copy(vae_run/'checkpoint.pt', keep)
        to = min(args.vae_steps, (at // 250 + 1) * 250)
        say('vae: training to step', to)
        train_vae(vae_run, steps=to, lr=args.vae_lr, threads=args.threads, detail=args.vae_detail, l1=args.vae_l1,
                  lab=args.vae_lab, ema_from=args.vae_ema_from, ckpt_every=250)
        vae_gate(vae_run, 1000, raw=True)
    # 2. its gate (the VAE the latent run froze, if it started already)
    if 'latent' in wanted and not (lat/'vae').exists():
        vae_dir = vae_run/'vae' if args.vae_weights == 'ema' else export_raw(vae_run)
        g = vae_gate(vae_run, 1000, raw=args.vae_weights == 'raw')[args.vae_weights]
        low = {k: v for k, v in g['agreement'].items() if v < 0.99}
        say('vae gate at step', g['step'], 'mse', g['mse'], 'under 0.99:', low or 'none')
        if low and not args.ignore_gate:
            sys.exit(f'the VAE fails its gate ({low}); train it further (--vae-steps) or pass --ignore-gate')
    # 3. the latent model
    if 'latent' in wanted and ck_step(lat/'checkpoint.pt', CHECKPOINT_KEYS) < N:
        say('latent: training to step', N, 'widths', widths)
        train_latent_diffusion(lat, vae_from=vae_dir, steps=N, widths=widths, batch=32, seed=0, threads=args.threads,
                               export_to=lat/'model')
    # 4. the 32 px model at the same step
    commit = history_commit(N) if args.pixel == 'auto' else None
    if commit:
        pdir = ROOT/'runs'/f'pixel32_history_{N}'
        if not pdir.exists(): say('pixel: step', N, 'from commit', commit[:8]); from_history(commit, pdir)
        pix_sec = median_sec_per_step(ROOT/'diffex/data/toyworld/sd_train_log.jsonl', N)
    else:
        if ck_step(pix/'checkpoint.pt', CHECKPOINT_KEYS) < N:
            say('pixel: training to step', N)
            train_diffusion(pix, steps=N, batch=32, seed=0, threads=args.threads, export_to=pix/'model')
        pdir, pix_sec = pix/'model', median_sec_per_step(pix/'train_log.jsonl', N)
    # 5. the comparison
    models = {f'pixel{N}': dict(load=lambda: toy_pipeline(pdir), step=N, size=32, sec_per_step=pix_sec)}
    if 'latent' in wanted:
        models = {f'latent{N}': dict(load=lambda: latent_pipeline(lat/'model'), step=N, size=64,
                                     sec_per_step=median_sec_per_step(lat/'train_log.jsonl', N)), **models}
    if 'pixel' not in wanted: del models[f'pixel{N}']
    if 'shipped' in wanted:
        shipped = json.loads((ROOT/'diffex/data/toyworld/sd/training.json').read_text())['step']
        models['shipped'] = dict(load=lambda: toy_pipeline(), step=shipped, size=32,
                                 sec_per_step=median_sec_per_step(ROOT/'diffex/data/toyworld/sd_train_log.jsonl', shipped))
    compare(models, args)
    say('done:', args.record)

if __name__ == '__main__': main()
