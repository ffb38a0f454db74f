"""Why face 0 of the 'remove' faces costs diffex's search twice the others (diffusion.md): how far the toy LEDITS++
editor's null edit is from its input, in grey levels, against how far the 'cheerful' classifier's logit moves.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/search/null_fragility.py > benchmarks/search/null_fragility.txt

For the first two 'remove' faces of `diffusion.py` and seeds 0-2: the mean and largest absolute pixel difference
between the null edit (`reconstruct`) and the input (0-255), and the classifier's logit on the input and on the null edit.
"""
import sys
from pathlib import Path
import numpy as np
import torch

def main():
    torch.set_num_threads(1)
    sys.path.insert(0, str(Path(__file__).parent))
    from diffex import toyworld
    from diffusion import shared_faces
    world = toyworld.load(diffusion=True)
    ed, clf = world.editor(), world.classifier('cheerful')
    print('face  seed  |null - input| mean  max  logit input  logit null edit')
    for i, f in enumerate(shared_faces('remove', 2)):
        im = toyworld.draw(f)
        x, s0 = np.asarray(im, dtype=float), float(clf.score([im], 'cheerful')[0])
        for seed in (0, 1, 2):
            null = ed.reconstruct(ed.invert(im, seed))
            d = np.abs(np.asarray(null, dtype=float) - x)
            print(f'{i:4d}  {seed:4d}  {d.mean():19.2f}  {d.max():3.0f}  {s0:11.2f}  {float(clf.score([null], "cheerful")[0]):15.2f}')

if __name__ == '__main__': main()
