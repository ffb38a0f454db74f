"""How often the toy LEDITS++ editor draws an attribute named as a refinement (issue 34, the diffusion arm's ground
truth): for each cause of the shipped toy classifiers, its own phrase, three refinements from
`corpus_shapes.refinements` and the mined item it sits below, edited into faces that lack the attribute, read by the
toy probe.

    OMP_NUM_THREADS=1 python benchmarks/search/probe_phrases.py > benchmarks/search/probe_phrases.txt

One thread; `TOY_EDIT` settings, edit seed 0; 6 faces (seed 34, not bald). A phrase's rate is over the faces that lack
its attribute; an item's own name ('hair colour') is read as drawing the attribute of the cause below it.
"""
import os
os.environ.setdefault('OMP_NUM_THREADS', '1')
import random, time

import torch

from diffex import toyworld
from diffex.corpus_shapes import ITEMS, refinements

CAUSES = ['grey hair', 'full beard', 'goatee', 'square glasses', 'top hat', 'beanie', 'smiling']


def main():
    torch.set_num_threads(1)
    t0 = time.time()
    world = toyworld.load()
    ed = world.editor()
    rng, faces = random.Random(34), []
    while len(faces) < 6:
        f = toyworld.sample_face(rng)
        if f.hair_style != 'bald': faces.append(f)
    rows = []
    for cause in CAUSES:
        item = next(i for i in ITEMS if cause in i.kinds)
        attr = toyworld.attribute_of(cause)
        rows += [(cause, attr, 'phrase', cause)] + [(cause, attr, 'refinement', r) for r in refinements(item, cause)[:3]]
        rows.append((cause, attr, 'item', item.name))
    prompts = list(dict.fromkeys(r[3] for r in rows))
    drawn = {(c, p): [0, 0] for c, _, _, p in rows}
    for f in faces:
        im = toyworld.draw(f)
        inv = ed.invert(im, seed=0)
        reads = toyworld.probe_read(world.probe, ed.edit(inv, prompts))
        for (cause, attr, kind, p) in rows:
            if toyworld.has(f, attr): continue
            r = reads[prompts.index(p)]
            fam, v = toyworld.EDITS[attr]
            drawn[cause, p][0] += int(r[fam] == v); drawn[cause, p][1] += 1
    print(f'toy LEDITS++ ({world.info.get("sd_step", "shipped")} model, TOY_EDIT), 6 faces, seed 0; '
          f'drawn / faces lacking the attribute')
    print(f"{'cause':15s} {'kind':10s} {'prompt':32s} {'drawn':>7s}")
    for cause, attr, kind, p in rows:
        d, n = drawn[cause, p]
        print(f'{cause:15s} {kind:10s} {p:32s} {d:3d} / {n}')
    print(f'{time.time() - t0:.0f} s, {ed.unet_evals} UNet evaluations')


if __name__ == '__main__':
    main()
