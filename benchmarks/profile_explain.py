"""Where the time of one toy explanation goes (issue 22: what limits `diffex demo`).

Usage: OMP_NUM_THREADS=1 python benchmarks/profile_explain.py   (prints the summary; cProfile over one `explain`)

Explains the demo's first face ('older', 3 seeds, default search, the toy diffusion editor, no edit cache) under
cProfile and prints the seconds inside the UNet's forward and its three kinds of work (convolutions, attention,
linear layers), against the whole explanation.
"""
import cProfile, pstats, time
import torch
from diffex import toyworld
from diffex.explain import explain

def inside(stats, pred) -> float:
    "Total seconds of the functions whose (file, line, name) satisfy `pred` (their own time, summed)."
    return sum(v[2] for k, v in stats.stats.items() if pred(k))

if __name__ == '__main__':
    torch.set_num_threads(1)
    world = toyworld.load(); clf = world.classifier('older'); ed = world.editor(); world.pipe
    causes = toyworld.causes('older')
    face = world.sample(1, seed=0, where=lambda f: not toyworld.label('older', f) and f.hair_style != 'bald'
                        and not any(toyworld.has(f, c) for c in causes))[0][1]
    pr = cProfile.Profile(); t0 = time.perf_counter(); pr.enable()
    ex = explain(face, clf, ed, world.corpus, 'older', seeds=3, verifier=world.verifier(), progress=False)
    pr.disable(); total = time.perf_counter() - t0
    st = pstats.Stats(pr)
    unet = max(v[3] for k, v in st.stats.items() if k[2] == 'forward' and k[0].endswith('unet_2d_condition.py'))
    conv = inside(st, lambda k: 'conv2d' in k[2])
    attn = inside(st, lambda k: 'scaled_dot_product_attention' in k[2])
    lin = inside(st, lambda k: k[2] == '<built-in method torch._C._nn.linear>')
    print(f"one explanation: {total:.1f} s, {ex.cost['unet_evals']:,} UNet evaluations, {ex.cost['edits']} edits "
          f"(torch {torch.__version__}, 1 thread)")
    print(f'  inside the UNet forward: {unet:.1f} s ({unet / total:.0%}); {1000 * unet / ex.cost["unet_evals"]:.1f} ms '
          'per UNet evaluation')
    print(f'    convolutions {conv:.1f} s, attention (scaled_dot_product_attention) {attn:.1f} s, linear {lin:.1f} s')
    print(f'  everything else (scheduler, masks, classifier, verifier, search): {total - unet:.1f} s '
          f'({(total - unet) / total:.0%})')
