"""UNet evaluations of one toy explanation with and without the kept warm-up trajectory (issue 22). Prints; asserts
only that the saving changes no pixel (the same edits, the same effects).

    OMP_NUM_THREADS=1 python benchmarks/ledits_savings.py              # warm-up 0, 3 and 6 steps, toy corpus
    OMP_NUM_THREADS=1 python benchmarks/ledits_savings.py --warmup 6 --corpus toy-260

'before' runs the same editor with the kept trajectories switched off (a store that keeps nothing), so every loop
recomputes its warm-up, as before the saving. Seconds are wall-clock on whatever the machine is doing."""
import argparse, time
from collections import OrderedDict

import numpy as np

from diffex import toyworld
from diffex.bench import bench_corpus, toy_classifier, toy_faces, toy_editor, _release
from diffex.explain import explain


class _KeepNothing(OrderedDict):
    "A prefix store that keeps nothing: the path without the saving."
    def __setitem__(self, key, value): pass


def one(keep: bool, warm: int, tree, im, clf, target):
    ed = toy_editor('toy', 20, batch_size=16)
    ed.params['edit_warmup_steps'] = warm
    if not keep: ed._prefixes = _KeepNothing()
    t0 = time.perf_counter()
    ex = explain(im, clf, ed, tree, target, progress=False)
    dt = time.perf_counter() - t0
    _release(ed)
    return ex, dt


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--warmup', type=int, nargs='*', default=[0, 3, 6])
    ap.add_argument('--corpus', default='toy')
    ap.add_argument('--target', default='older')
    a = ap.parse_args()
    clf, _ = toy_classifier(a.target)
    tree, im = bench_corpus(a.corpus), toy_faces(a.target, 1, 0)[0]
    print(f'toy model, {a.corpus} corpus ({tree.n_leaves} leaves), target {a.target}, diffex defaults, '
          f'toy edit settings ({toyworld.TOY_EDIT}) with the warm-up below; no edit cache')
    print(f"{'warm-up':>7} {'UNet before':>11} {'UNet after':>10} {'saved':>6} {'edits':>6} {'s before':>8} "
          f"{'s after':>7}  same effects")
    for w in a.warmup:
        (b, tb), (k, tk) = one(False, w, tree, im, clf, a.target), one(True, w, tree, im, clf, a.target)
        px = lambda d: {key: np.asarray(im) for key, im in d.items()}
        bi, ki = px({**b.images, **b.null_images}), px({**k.images, **k.null_images})
        same = b.ranking() == k.ranking() and bi.keys() == ki.keys() and all(np.array_equal(bi[x], ki[x]) for x in bi)
        print(f"{w:7d} {b.cost['unet_evals']:11d} {k.cost['unet_evals']:10d} "
              f"{b.cost['unet_evals'] - k.cost['unet_evals']:6d} {k.cost['edits']:6d} {tb:8.1f} {tk:7.1f}  {same}")
        assert same, 'the kept warm-up changed an edit'


if __name__ == '__main__': main()
