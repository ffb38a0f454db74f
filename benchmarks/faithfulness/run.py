"""Faithfulness benchmark: agreement@k with exact interventions (the four toy classifiers and three trained on rules
the toy world does not have) and precision@k on the toy ground truth, with the diffusion editor, on CPU.

Usage: OMP_NUM_THREADS=1 python benchmarks/faithfulness/run.py OUT_DIR PART [N] [SETTING=VALUE ...]
PART is 'agreement' (N faces per classifier, default 6) or 'ground-truth' (N faces per toy classifier, default 6);
the two can run at once, one per core. Writes OUT_DIR/PART.json and prints the table. PART 'table' reads both files
(and OUT_DIR/before-*.json, the run to compare with, where they exist), prints the targets as a markdown table and
writes it to OUT_DIR/table.md. SETTING=VALUE pairs change search settings from their defaults (an ablation, e.g.
adapt=0: no adaptive seeds); the file is then OUT_DIR/PART-SETTING=VALUE.json. The pseudo-setting editor=NAME runs
the benchmark with another registered toy editor than LEDITS++ (editor=toy-instruct: the toy instruction model with its
`TOY_INSTRUCT` settings); faces are drawn in the same order, so the first N faces of a larger run are a smaller run's.
"""
import json, sys, time
from pathlib import Path
import torch
from diffex import editing, toyworld
from diffex.search import SearchConfig
from diffex.groundtruth import (BENCH_RULES, agreement_check, faithfulness_table, ground_truth_check,
                                train_rule_classifier)

if __name__ == '__main__':
    torch.set_num_threads(1)
    out, part = Path(sys.argv[1]), sys.argv[2]
    out.mkdir(parents=True, exist_ok=True)
    if part == 'table':
        read = lambda pre: {p: json.loads((out/f'{pre}{p}.json').read_text()) for p in ('agreement', 'ground-truth')}
        before = read('before-') if (out/'before-agreement.json').exists() else None
        md = faithfulness_table(read(''), before)
        (out/'table.md').write_text(md + '\n'); print(md); sys.exit()
    pairs = [a.split('=', 1) for a in sys.argv[4:]]
    named = dict(pairs).get('editor')
    pairs = [(k, v) for k, v in pairs if k != 'editor']
    editor = None if named in (None, 'toy') else editing.make_editor(named)
    cfg = SearchConfig(**{k: None if v == 'none' else type(getattr(SearchConfig(), k) or 0)(v) for k, v in pairs})
    stem = '-'.join([part] + sys.argv[4:])
    t0, world = time.time(), toyworld.load()
    if part == 'agreement':
        n = int(sys.argv[3]) if len(sys.argv) > 3 else 6
        bench = {name: train_rule_classifier(name) for name in BENCH_RULES}
        for name, (_, acc) in bench.items(): print(f'{name:10s} held-out accuracy {acc:.3f}', flush=True)
        clfs = {**{name: (world.classifier(name), name) for name in ('older', 'formal', 'cheerful', 'hipster')},
                **{name: (c, name) for name, (c, _) in bench.items()}}
        rows = agreement_check(clfs, world, editor=editor, n_images=n, seeds=3, search=cfg)
        extra = dict(accuracy={name: a for name, (_, a) in bench.items()})
    elif part == 'ground-truth':
        n = int(sys.argv[3]) if len(sys.argv) > 3 else 6
        rows, extra = ground_truth_check(world, editor, n_images=n, seeds=3, exhaustive=False, search=cfg), {}
    else: sys.exit(f'PART must be agreement or ground-truth, not {part!r}')
    (out/f'{stem}.json').write_text(json.dumps(dict(rows=rows, seconds=time.time() - t0, settings=dict(pairs), editor=named or 'toy',
                                                    **extra), indent=1))
    print(f'{part}: {time.time() - t0:.0f} s', flush=True)
