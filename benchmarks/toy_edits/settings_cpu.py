"""Edit success and locality of one LEDITS++ setting on every editable toy path, on CPU, one thread; appends one JSON line.

    python benchmarks/toy_edits/settings_cpu.py OUT.jsonl N SEED 'SETTINGS-JSON' [MODEL-FOLDER]

e.g. `settings_cpu.py benchmarks/toy_edits/attention_cpu.jsonl 10 1 '{"use_masks": "intersect", "attention_threshold": 0.5}'`
(about 4 minutes for N=10). SETTINGS override `toyworld.TOY_EDIT`; MODEL-FOLDER is an exported toy model (default: the shipped one).
The rows are `diffex.toytrain.edit_success`; the line also carries the leaves' summary that the edit gates judge.
Seed 0 draws the faces the quality gates use, so choose settings on another seed and check them on seed 0.
"""
import sys, json, time
from pathlib import Path
import torch

def main(out, n, seed, settings, folder=None):
    torch.set_num_threads(1)
    from diffex import toyworld
    from diffex.toytrain import edit_success, edit_summary, print_edit_table, gated
    w = toyworld.load()
    if folder: w.pipe = toyworld.toy_pipeline(folder)
    model = json.loads((Path(folder or w.folder/'sd')/'training.json').read_text()).get('step')
    t0 = time.time()
    rows = edit_success(w, n=n, seed=seed, editor=w.editor(**settings))
    leaves = edit_summary([r for r in rows if gated(r['path'])])
    rec = dict(model=str(model), folder=folder, settings=settings, n=n, seed=seed, seconds=round(time.time() - t0), machine='CPU, 1 thread',
               leaves=leaves, rows=rows)
    print(settings, folder or 'shipped', f'n={n} seed={seed}', leaves)
    print_edit_table(rows)
    with open(out, 'a') as fh: fh.write(json.dumps(rec) + '\n')

if __name__ == '__main__':
    a = sys.argv[1:]
    if len(a) < 4: sys.exit(__doc__)
    main(a[0], int(a[1]), int(a[2]), json.loads(a[3]), a[4] if len(a) > 4 else None)
