# beam_leaves.py N [settings-json]: ground truth (08b's faces, 4 toy classifiers, N faces each) of beam search with leaves in the beam (beam_leaves=True, the old default) vs only parents in the beam (False, the default since)
import sys, json, torch, numpy as np; torch.set_num_threads(1)
from pathlib import Path
from diffex import toyworld
from diffex.explain import explain
from diffex.groundtruth import open_faces, score_explanation
w = toyworld.load(); s = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
ed = w.editor(cache_dir=Path('/tmp/diffex-beam-leaves-cache' + ('' if not s else '_' + '_'.join(f'{k}{v}' for k, v in s.items()))), **s)
for name in ['older', 'formal', 'cheerful', 'hipster']:
    clf, causes, ver = w.classifier(name), toyworld.causes(name), w.verifier()
    res = {True: [], False: []}
    for f in open_faces(name, int(sys.argv[1]), 0):
        for bl in (True, False):
            ex = explain(toyworld.draw(f), clf, ed, w.corpus, name, seeds=3, beam=3, beam_leaves=bl, verifier=ver, progress=False)
            res[bl].append(score_explanation(ex, causes))
    for bl, rs in res.items():
        print(name, 'leaves in beam' if bl else 'parents only', f"p@k {np.mean([r['precision'] for r in rs]):.2f}",
              f"edits {np.mean([r['edits'] for r in rs]):.1f}", f"unet {np.mean([r['unet_evals'] for r in rs]):.0f}",
              [round(r['precision'], 2) for r in rs], flush=True)
