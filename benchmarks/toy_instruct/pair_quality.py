"""What the training pairs teach, read by the toy probe: of the pairs that ask for an edit (not identity pairs), the
share whose target shows the asked-for change (`has` of the asked path flips the way asked, or a no-op pair's face
stays as it was) and the share whose other attribute families are read unchanged, for the LEDITS++-drawn pairs of
`ledits_pairs` files and for as many exact pairs (`sample_pair`, the stream of a fresh `random.Random(0)`).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/toy_instruct/pair_quality.py runs/toy_instruct_ledits/pairs-*.npz
"""
import random, sys
import numpy as np
import torch

def read(probe, srcs, dsts, ins, prompts):
    from diffex.toyworld import EDITS, FAMILIES, probe_read
    ok, local = [], []
    for a in range(0, len(ins), 256):
        r0, r1 = probe_read(probe, srcs[a:a + 256]), probe_read(probe, dsts[a:a + 256])
        for x, y, t in zip(r0, r1, ins[a:a + 256]):
            d, prompt = t.split(' ', 1)
            fam, v = EDITS[prompts[prompt]]
            shows = lambda r: (r[fam] not in ('none', None)) if v is None else r[fam] == v
            ok.append(shows(y) if d == 'add' else not shows(y))
            local.append(all(x[k] == y[k] for k in FAMILIES if k != fam))
    return float(np.mean(ok)), float(np.mean(local))

def main():
    torch.set_num_threads(1)
    from PIL import Image
    from diffex import toyworld
    from diffex.toyinstruct import PairPool, sample_pair
    world = toyworld.load(diffusion=False)
    prompts = toyworld.toy_prompt_paths()        # prompt -> path
    pool = PairPool(*sys.argv[1:])
    im = lambda a: [Image.fromarray(x) for x in a]
    s, l = read(world.probe, im(pool.src), im(pool.dst), pool.ins, prompts)
    print(f'LEDITS++-drawn pairs ({len(pool)}): target shows the asked-for change {s:.3f}, other families unchanged {l:.3f}')
    rng, back = random.Random(0), {p: k for k, p in prompts.items()}
    ex = [sample_pair(rng, back) for _ in range(len(pool))]
    s, l = read(world.probe, [toyworld.render(f) for f, _, _ in ex], [toyworld.render(g) for _, g, _ in ex], [t for _, _, t in ex], prompts)
    print(f'exact pairs ({len(ex)}): target shows the asked-for change {s:.3f}, other families unchanged {l:.3f}')

if __name__ == '__main__': main()
