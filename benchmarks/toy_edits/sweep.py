"""LEDITS++ settings sweep and full edit gates for the toy model, many processes sharing one device.

Run on a GPU machine from the repository root:
    OUT=benchmarks/toy_edits/new DEV=cuda python benchmarks/toy_edits/sweep.py main PROCESSES N_SWEEP N_FULL SWEEP_SECONDS FULL_SECONDS
e.g. `main 14 10 50 230 270` (what produced sweep_h200.jsonl and gates_n50_h200.jsonl, on an NVIDIA H200 with 16 CPU cores).
Phase 1 measures `diffex.toytrain.edit_success` on the 10 hardest paths (N_SWEEP faces each) for every setting of `grid()` and every
model in MODELS ('15500' is the shipped model at the time, '17500' an unshipped later export); phase 2 measures all 31 paths on N_FULL
faces for the shipped settings and the best two of phase 1. Each finished job appends one JSON line; a phase that runs out of time
keeps what finished (the H200 run finished 28 of 48 sweep jobs and, with a second call, the full 31 paths for the chosen settings).
"""
import os, sys, json, time, itertools, subprocess
OUT = os.environ.get('OUT', '/tmp/out'); DEV = os.environ.get('DEV', 'cuda')
MODELS = {'15500': None, '17500': 'runs/toy_sd_export'}
HARD = ['headwear/hat', 'headwear/hat/beanie', 'headwear/hat/top hat', 'expression/smiling', 'eyewear/glasses',
        'facial hair/beard/full beard', 'hair/hair colour/grey', 'hair/hair colour/red', 'hair/hair style/short', 'eyewear/sunglasses']

def worker(model, settings, paths, n, out):
    import torch
    torch.set_num_threads(1)
    from diffex import toyworld
    from diffex.toytrain import edit_success
    w = toyworld.load()
    w.pipe = toyworld.toy_pipeline(MODELS[model], device=DEV)
    t0 = time.time()
    rows = edit_success(w, n=n, paths=paths, editor=w.editor(**settings))
    with open(out, 'a') as fh:
        fh.write(json.dumps(dict(model=model, settings=settings, n=n, seconds=time.time() - t0, rows=rows)) + '\n')

def grid():
    G = [{}]
    for thr, gs in itertools.product([0.8, 0.9], [8.0, 12.0, 16.0]): G.append(dict(edit_threshold=thr, edit_guidance_scale=gs))
    for skip, gs, thr in itertools.product([0.2, 0.35], [8.0, 12.0], [0.7, 0.85]): G.append(dict(skip=skip, edit_guidance_scale=gs, edit_threshold=thr))
    G += [dict(edit_cooldown_steps=10), dict(edit_cooldown_steps=10, edit_guidance_scale=12.0), dict(edit_warmup_steps=3, edit_guidance_scale=12.0),
          dict(use_masks='intersect', edit_guidance_scale=16.0, edit_threshold=0.6), dict(use_masks='intersect', edit_guidance_scale=20.0, edit_threshold=0.5),
          dict(num_inversion_steps=50), dict(num_inversion_steps=50, edit_threshold=0.85, edit_guidance_scale=12.0), dict(edit_guidance_scale=5.0)]
    return G

def run_all(jobs, par, deadline):
    procs, t_end = [], time.time() + deadline
    while (jobs or procs) and time.time() < t_end:
        while jobs and len(procs) < par:
            procs.append(subprocess.Popen([sys.executable, __file__, 'worker', json.dumps(jobs.pop(0))], stdout=subprocess.DEVNULL, stderr=open(f'{OUT}/err.log', 'a')))
        procs = [p for p in procs if p.poll() is None]; time.sleep(0.5)
    for p in procs: p.kill()

def score(rec):
    r = rec['rows']
    return (sum(x['success'] >= 0.7 and x['others_unchanged'] >= 0.85 for x in r), sum(min(x['success'], 0.9) + min(x['others_unchanged'], 0.95) for x in r))

if __name__ == '__main__':
    if sys.argv[1] == 'worker': worker(**json.loads(sys.argv[2])); sys.exit()
    par, n1, n2, d1, d2 = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
    jobs = [dict(model=m, settings=s, paths=HARD, n=n1, out=f'{OUT}/sweep.jsonl') for s in grid() for m in MODELS]
    t0 = time.time(); run_all(jobs, par, d1); print('sweep', time.time() - t0, flush=True)
    recs = [json.loads(l) for l in open(f'{OUT}/sweep.jsonl')] if os.path.exists(f'{OUT}/sweep.jsonl') else []
    recs.sort(key=score, reverse=True)
    for r in recs[:12]: print(r['model'], json.dumps(r['settings']), score(r), f"{r['seconds']:.0f}s", flush=True)
    from diffex.toyworld import EDITS
    allp = list(EDITS); groups = [allp[i::8] for i in range(8)]
    full = [('15500', {})] + [(r['model'], r['settings']) for r in recs[:3] if (r['model'], r['settings']) != ('15500', {})][:2]
    jobs = [dict(model=m, settings=s, paths=g, n=n2, out=f'{OUT}/full.jsonl') for m, s in full for g in groups]
    t0 = time.time(); run_all(jobs, par, d2); print('full', time.time() - t0, flush=True)
