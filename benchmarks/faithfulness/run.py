"""Faithfulness benchmark: agreement@k with exact interventions (the four toy classifiers and three trained on rules
the toy world does not have) and precision@k on the toy ground truth, with the diffusion editor, on CPU.

Usage: OMP_NUM_THREADS=1 python benchmarks/faithfulness/run.py OUT_DIR [N_AGREE] [N_GT]
Writes OUT_DIR/agreement.json and OUT_DIR/ground_truth.json and prints both tables.
"""
import json, sys, time
from pathlib import Path
import torch
from diffex import toyworld
from diffex.groundtruth import BENCH_RULES, agreement_check, ground_truth_check, train_rule_classifier

if __name__ == '__main__':
    torch.set_num_threads(1)
    out = Path(sys.argv[1]); out.mkdir(parents=True, exist_ok=True)
    n_agree = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    n_gt = int(sys.argv[3]) if len(sys.argv) > 3 else 6
    t0 = time.time()
    world = toyworld.load()
    bench = {n: train_rule_classifier(n) for n in BENCH_RULES}
    for n, (_, acc) in bench.items(): print(f'{n:10s} held-out accuracy {acc:.3f}', flush=True)
    clfs = {**{n: (world.classifier(n), n) for n in ('older', 'formal', 'cheerful', 'hipster')},
            **{n: (c, n) for n, (c, _) in bench.items()}}
    rows = agreement_check(clfs, world, n_images=n_agree, seeds=3)
    (out/'agreement.json').write_text(json.dumps(dict(rows=rows, accuracy={n: a for n, (_, a) in bench.items()},
                                                      seconds=time.time() - t0), indent=1))
    print(f'agreement: {time.time() - t0:.0f} s', flush=True)
    if n_gt:
        gt = ground_truth_check(world, n_images=n_gt, seeds=3, exhaustive=False)
        (out/'ground_truth.json').write_text(json.dumps(dict(rows=gt, seconds=time.time() - t0), indent=1))
    print(f'total: {time.time() - t0:.0f} s', flush=True)
