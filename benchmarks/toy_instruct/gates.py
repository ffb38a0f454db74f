"""The toy instruction model through the LEDITS++ toy editor's gates (`toytrain.edit_success`), per leaf and per family,
on held-out faces, and on the held-out (attribute, context) pairs (`toyinstruct.pair_gates`).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/toy_instruct/gates.py --model runs/toy_instruct/model --n 20
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/toy_instruct/gates.py --val --n 4    # choose the guidance scales

Faces: `edit_success` at seed 0 (the stream the LEDITS++ figures used; every face of it was kept out of training). `--val`
runs a small grid of guidance scales on validation faces (`toyinstruct.face_split(f) == 'val'`: never trained on, never in a
benchmark; `edit_success`'s seed-99 stream with every other face skipped) and prints the best by mean success + mean others
unchanged + the share of null edits that read as their input (each 0-1, `--null-n` validation faces). Then (`--null-n`) how
often the null edit reads as its input, for this editor and for the toy LEDITS++ editor on the same faces. `--lambda-min`
sets the sampler's `lambda_min_clipped` (DPM-Solver++ starts where log(alpha/sigma) reaches it; default: the model folder's
scheduler). One JSON line per run is appended to --out.
"""
import argparse, json, time
from pathlib import Path
import numpy as np
import torch

def run(world, ed, n, seed, paths):
    from diffex.toytrain import edit_success
    t0, u0 = time.time(), ed.unet_evals
    rows = edit_success(world, n=n, seed=seed, paths=paths, editor=ed)
    return rows, time.time() - t0, ed.unet_evals - u0

def val_only(sample_face):
    "`sample_face` drawing validation-split faces only (the faces that remain after skipping the others of the same stream)."
    from diffex.toyinstruct import face_split
    def draw_val(rng):
        while True:
            f = sample_face(rng)
            if face_split(f) == 'val': return f
    return draw_val

def null_fidelity(world, editor, n: int = 50, seed: int = 0, val: bool = False) -> dict:
    """How often the null edit (the empty instruction; LEDITS++'s reconstruction) reads as its input, on the first `n` faces
    of `random.Random(seed)`: every effect is measured against the null edit, so a null edit that redraws the face measures
    effects on another face (and `edit_success` credits an edit whose null edit already shows the attribute)."""
    import collections, random
    from diffex.toyworld import FAMILIES, draw, probe_read, sample_face
    rng, pick = random.Random(seed), val_only(sample_face) if val else sample_face
    faces = [pick(rng) for _ in range(n)]
    moved, diff = [], []
    for f in faces:
        im = draw(f)
        null = editor.reconstruct(editor.invert(im, seed=0))
        r0, r1 = probe_read(world.probe, [im, null])
        moved.append([k for k in FAMILIES if r0[k] != r1[k]])
        diff.append(float(np.abs(np.asarray(null, dtype=float) - np.asarray(im, dtype=float)).mean()))
    return dict(n=n, same=float(np.mean([not m for m in moved])), families_changed=float(np.mean([len(m) for m in moved])),
                mean_absdiff=float(np.mean(diff)),   # grey levels (0-255), null edit vs input, mean over pixels and faces
                by_family=dict(collections.Counter(k for m in moved for k in m).most_common()))

def families(rows):
    from diffex.toyworld import EDITS
    out = {}
    for r in rows: out.setdefault(EDITS[r['path']][0], []).append(r)
    return {f: dict(leaves=len(rs), success=float(np.mean([r['success'] for r in rs])),
                    others_unchanged=float(np.mean([r['others_unchanged'] for r in rs])),
                    others_unchanged_when_shown=float(np.nanmean([r['others_unchanged_when_shown'] for r in rs])))
            for f, rs in out.items()}

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--model', default='runs/toy_instruct/model')
    p.add_argument('--n', type=int, default=20, help='faces per leaf (default 20)')
    p.add_argument('--pairs-n', type=int, default=20, help='faces per held-out pair (default 20)')
    p.add_argument('--steps', type=int, default=10, help='denoising steps (default 10: 30 UNet evaluations per edit)')
    p.add_argument('--text', type=float, default=5.0, help='text guidance scale')
    p.add_argument('--image', type=float, default=1.5, help='image guidance scale')
    p.add_argument('--val', action='store_true', help='choose the guidance scales on seed-99 faces instead')
    p.add_argument('--grid', default='3:1.2,5:1.5,7.5:1.5,5:1.0', help='--val: text:image guidance pairs (default 3:1.2,5:1.5,7.5:1.5,5:1.0)')
    p.add_argument('--null-n', type=int, default=50,
                   help='faces on which the null edit is compared with its input, for this editor and toy LEDITS++ (default 50; 0: skip)')
    p.add_argument('--lambda-min', type=float, default=None, help="the sampler's lambda_min_clipped (default: the model's scheduler)")
    p.add_argument('--out', default='benchmarks/toy_instruct/gates_cpu.jsonl')
    a = p.parse_args()
    torch.set_num_threads(1)
    from diffex import toyworld
    from diffex.toytrain import gated, edit_summary, print_edit_table
    from diffex.toyinstruct import instruct_pipeline, pair_gates, HELD_OUT_PAIRS
    from diffex.instruct import InstructEditor
    world = toyworld.load()
    step = json.loads((Path(a.model)/'training.json').read_text())['step']
    pipe = instruct_pipeline(a.model)
    if a.lambda_min is not None:
        from diffusers import DPMSolverMultistepScheduler
        pipe.scheduler = DPMSolverMultistepScheduler.from_config(pipe.scheduler.config, lambda_min_clipped=a.lambda_min)
    base = InstructEditor(pipe, batch_size=32, num_inference_steps=a.steps)
    leaves = [q for q in toyworld.EDITS if gated(q)]
    lam = pipe.scheduler.config.lambda_min_clipped
    rec = dict(model=a.model, step=step, n=a.n, steps=a.steps, lambda_min_clipped=lam if np.isfinite(lam) else None)
    if a.val:
        res = []
        for gt, gi in [tuple(map(float, g.split(':'))) for g in a.grid.split(',')]:
            ed = base.variant(guidance_scale=gt, image_guidance_scale=gi)
            from unittest import mock
            import diffex.toytrain
            with mock.patch.object(diffex.toytrain, 'sample_face', val_only(diffex.toytrain.sample_face)):
                rows, s, u = run(world, ed, a.n, 99, leaves)
            m = edit_summary(rows)
            nf = null_fidelity(world, ed, a.null_n, seed=99, val=True) if a.null_n else dict(same=0.0, mean_absdiff=float('nan'))
            res.append(dict(text=gt, image=gi, **m, null_same=nf['same'], null_absdiff=nf['mean_absdiff'], seconds=round(s),
                            unet_evals=u))
            print(f'step {step}, lambda_min_clipped {lam}, text {gt}, image {gi}: success {m["mean_success"]:.3f}, others unchanged '
                  f'{m["mean_others_unchanged"]:.3f} ({a.n} validation faces per leaf, {s:.0f} s); null edit reads as input '
                  f'{nf["same"]:.2f} of {a.null_n} validation faces, |null - input| {nf["mean_absdiff"]:.1f}', flush=True)
        best = max(res, key=lambda r: r['mean_success'] + r['mean_others_unchanged'] + r['null_same'])
        print(f'best: text {best["text"]}, image {best["image"]}')
        rec.update(kind='val', grid=res, best=best)
    else:
        ed = base.variant(guidance_scale=a.text, image_guidance_scale=a.image)
        rows, s, u = run(world, ed, a.n, 0, leaves)
        print(f'toy instruction model at step {step}: {a.steps} steps, lambda_min_clipped {lam}, text guidance {a.text}, '
              f'image guidance {a.image}; '
              f'{a.n} faces per leaf (edit_success seed 0); {s:.0f} s, {u} UNet evaluations')
        print_edit_table(rows)
        fam = families(rows)
        print(f"  {'family':12s} {'leaves':>6s} {'success':>8s} {'others same':>12s} {'when shown':>11s}")
        for f, v in fam.items():
            print(f"  {f:12s} {v['leaves']:6d} {v['success']:8.3f} {v['others_unchanged']:12.3f} {v['others_unchanged_when_shown']:11.3f}")
        pairs = {}
        for name, (path, where) in HELD_OUT_PAIRS.items():
            pairs[name] = pair_gates(world, ed, path, where, n=a.pairs_n)
            g = pairs[name]
            print(f"held-out pair '{name}': success {g['success']:.2f}, others unchanged {g['others_unchanged']:.2f}, "
                  f"when shown {g['others_unchanged_when_shown']:.2f} ({a.pairs_n} faces)", flush=True)
        rec.update(kind='gates', text=a.text, image=a.image, summary=edit_summary(rows), families=fam, rows=rows, pairs=pairs,
                   seconds=round(s), unet_evals=u)
        if a.null_n:
            rec['null'] = {'instruction': null_fidelity(world, ed, a.null_n), 'LEDITS++ toy': null_fidelity(world, world.editor(), a.null_n)}
            for name, v in rec['null'].items():
                print(f"null edit reads as its input ({name}): {v['same']:.2f} of {v['n']} faces (seed 0), "
                      f"{v['families_changed']:.2f} families changed on average, mean |null - input| {v['mean_absdiff']:.1f} grey levels; "
                      f"{v['by_family']}", flush=True)
        print('summary:', rec['summary'])
    with open(a.out, 'a') as f: f.write(json.dumps(rec) + '\n')

if __name__ == '__main__': main()
