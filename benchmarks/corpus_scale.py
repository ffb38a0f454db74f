"""How long a very large corpus takes to load, validate and save (issue 20). Prints figures; asserts nothing.

    python benchmarks/corpus_scale.py                  # 100,000 leaves: 100 groups x 100 nodes x 10 leaves
    python benchmarks/corpus_scale.py --groups 10      # a smaller one

Each row is the best of `--repeat` runs, in seconds, with one torch-free Python process.
"""
import argparse, json, tempfile, time
from pathlib import Path

from diffex.corpus import FORMAT, VERSION, SemanticTree


def corpus_dict(groups: int, nodes: int, leaves: int) -> dict:
    "A corpus file object with `groups` groups of `nodes` editable nodes of `leaves` leaves each."
    kids = [{'name': f'group {g}', 'editable': False, 'children': [
               {'name': f'node {g}.{n}', 'children': [{'name': f'leaf {g}.{n}.{k}'} for k in range(leaves)]}
               for n in range(nodes)]} for g in range(groups)]
    return {'format': FORMAT, 'version': VERSION, 'domain': 'scale', 'provenance': {'source': 'benchmark'},
            'root': {'name': 'scale', 'editable': False, 'children': kids}}


def best(f, repeat: int) -> float:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter(); f(); out.append(time.perf_counter() - t0)
    return min(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--groups', type=int, default=100); ap.add_argument('--nodes', type=int, default=100)
    ap.add_argument('--leaves', type=int, default=10); ap.add_argument('--repeat', type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        src = Path(d)/'big.json'
        src.write_text(json.dumps(corpus_dict(a.groups, a.nodes, a.leaves)))
        t = SemanticTree.load(src)
        print(f'corpus: {t.n_leaves:,} leaves, {len(t.nodes()):,} nodes, file {src.stat().st_size/1e6:.1f} MB')
        for what, f in [('load', lambda: SemanticTree.load(src)), ('validate', t.validate),
                        ('save', lambda: t.save(Path(d)/'out.json'))]:
            print(f'{what:>8}: {best(f, a.repeat):6.2f} s')


if __name__ == '__main__': main()
