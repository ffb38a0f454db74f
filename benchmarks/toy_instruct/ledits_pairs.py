"""Training pairs drawn by the toy LEDITS++ editor (`toyinstruct.ledits_pairs`), for the variant of the toy instruction
model trained on a leaky editor's pairs (issue 31: what exact pairs buy). One file per shard; run shards at once, one
per core, and again to go on where a shard stopped:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/toy_instruct/ledits_pairs.py runs/toy_instruct_ledits/pairs-1.npz 2000 --seed 1
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/toy_instruct/ledits_pairs.py runs/toy_instruct_ledits/pairs-2.npz 2000 --seed 2

Prints the pairs, the faces, the seconds and the UNet evaluations; then train with
`benchmarks/toy_instruct/train.py --out runs/toy_instruct_ledits --pairs runs/toy_instruct_ledits/pairs-*.npz`.
"""
import argparse, time
from pathlib import Path
import numpy as np
import torch

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('out', type=Path, help='the .npz file (extended if it exists)')
    p.add_argument('n', type=int, help='pairs wanted in the file')
    p.add_argument('--seed', type=int, default=1, help='the shard: faces, paths and inversion seeds (default 1)')
    p.add_argument('--per-face', type=int, default=8, help='edits per face, one inversion (default 8)')
    a = p.parse_args()
    torch.set_num_threads(1)
    from diffex import toyworld
    from diffex.toyinstruct import ledits_pairs
    a.out.parent.mkdir(parents=True, exist_ok=True)
    ed, t0 = toyworld.load().editor(), time.time()
    ledits_pairs(a.out, a.n, seed=a.seed, per_face=a.per_face, editor=ed)
    z = np.load(a.out)
    print(f'{a.out}: {len(z["ins"])} pairs from {len(set(z["face"].tolist()))} faces; {time.time() - t0:.0f} s, '
          f'{ed.unet_evals} UNet evaluations this run')

if __name__ == '__main__': main()
