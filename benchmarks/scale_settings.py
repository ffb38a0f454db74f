"""Precision@k and edits of diffex's beam search at three corpus sizes with exact edits (issue 22). Prints; asserts
nothing. The toy world's oracle editor, the trained 'older' classifier, the bench's 20 faces (`diffex.bench.toy_faces`:
the rule is false; 5 of them are bald, where grey hair cannot be added, so at most 0.5 there).

    OMP_NUM_THREADS=1 python benchmarks/scale_settings.py
"""
import numpy as np

from diffex import toyworld
from diffex.bench import BENCH_CORPORA, bench_corpus, precision_at_k, toy_classifier, toy_faces
from diffex.explain import explain
from diffex.search import SearchConfig

SETTINGS = [('default (beam 3)', SearchConfig()), ('screen_parents=3', SearchConfig(screen_parents=3)),
            ('beam=5', SearchConfig(beam=5)), ('beam=5, screen_parents=3', SearchConfig(beam=5, screen_parents=3))]


def main(n_faces: int = 20, target: str = 'older'):
    clf, _ = toy_classifier(target)
    causes = toyworld.causes(target)
    faces = toy_faces(target, n_faces, 0)
    bald = [toyworld.face_of(f).hair_style == 'bald' for f in faces]
    print(f'{n_faces} faces ({sum(bald)} bald), target {target}, oracle editor, 3 seeds')
    print(f"{'corpus':8s} {'search':26s} {'p@k':>5s} {'p@k not bald':>12s} {'edits (median)':>14s}")
    for name in BENCH_CORPORA:
        t = bench_corpus(name)
        for label, cfg in SETTINGS:
            ps, es = [], []
            for im in faces:
                ex = explain(im, clf, toyworld.OracleEditor(), t, target, search=cfg, progress=False)
                ps.append(precision_at_k(ex.ranking(), causes)); es.append(ex.cost['edits'])
            nb = [p for p, b in zip(ps, bald) if not b]
            print(f'{name:8s} {label:26s} {np.mean(ps):5.2f} {np.mean(nb):12.2f} {np.median(es):14.0f}', flush=True)


if __name__ == '__main__': main()
