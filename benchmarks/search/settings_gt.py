# settings_gt.py N [settings-json]: toy ground truth (08b's faces, 4 toy classifiers, N faces each) of the default explain (beam 3, 3 seeds,
# beam of parents) under edit settings that override TOY_EDIT; prints precision@k per classifier and the mean
import sys, json, time, torch, numpy as np; torch.set_num_threads(1)
from pathlib import Path
from diffex import toyworld
from diffex.explain import explain
from diffex.groundtruth import open_faces, score_explanation
w = toyworld.load(); s = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
ed = w.editor(cache_dir=Path('/tmp/diffex-settings-gt-cache' + ('' if not s else '_' + '_'.join(f'{k}{v}' for k, v in s.items()))), **s)
t0, means = time.time(), []
for name in ['older', 'formal', 'cheerful', 'hipster']:
    clf, causes, ver = w.classifier(name), toyworld.causes(name), w.verifier()
    rs = [score_explanation(explain(toyworld.draw(f), clf, ed, w.corpus, name, seeds=3, beam=3, verifier=ver, progress=False), causes)
          for f in open_faces(name, int(sys.argv[1]), 0)]
    means.append(np.mean([r['precision'] for r in rs]))
    print(json.dumps(s), name, f"p@k {means[-1]:.2f}", f"edits {np.mean([r['edits'] for r in rs]):.1f}", [round(r['precision'], 2) for r in rs], flush=True)
print(json.dumps(s), f'mean p@k {np.mean(means):.2f}', f'{time.time() - t0:.0f} s', flush=True)
