"""The faithfulness benchmark for both toy editors side by side, against issue 31's targets for the instruction editor.

    python benchmarks/toy_instruct/faith_compare.py LEDITS_DIR INSTRUCT_DIR

Each DIR holds the `ground-truth.json` and `agreement.json` that `benchmarks/faithfulness/run.py DIR PART N` writes
(for the instruction editor, with the pseudo-setting `editor=toy-instruct`, so the files are
`ground-truth-editor=toy-instruct.json` and `agreement-editor=toy-instruct.json`). Both runs must have the same faces
(the same N: faces are drawn in the same order) and the same code (`run.py` records neither; the commands of
`nbs/08d_toyinstruct.ipynb` say which). Overall figures are means over faces (every classifier has as many).

Issue 31's targets (instruction editor, 12 faces per classifier in the issue): precision@k >= 0.95 overall and 1.00
over the causes it can produce; agreement@k with exact interventions >= 0.95 overall and >= 0.90 for every classifier;
UNet evaluations per explanation beside LEDITS++'s.
"""
import json, sys
from pathlib import Path


def read(d: Path) -> dict:
    "The two parts of one run folder: {'ground-truth': ..., 'agreement': ...}, from PART.json, else the one PART-editor=NAME.json."
    out = {}
    for part in ('ground-truth', 'agreement'):
        files = [d/f'{part}.json'] if (d/f'{part}.json').exists() else sorted(d.glob(f'{part}-editor=*.json'))
        if len(files) != 1: sys.exit(f'{d}: expected {part}.json or one {part}-editor=NAME.json, found {[f.name for f in files]}')
        j = json.loads(files[0].read_text())
        out[part] = dict(rows=j['rows'], seconds=j['seconds'], editor=j.get('editor', 'toy'))
    return out


def mean(rows: list, key: str, weight: str):
    "The mean of `key` over faces (`weight` faces per row), None where no row has it."
    have = [r for r in rows if r.get(key) is not None and r[key] == r[key]]
    return sum(r[key] * r[weight] for r in have) / sum(r[weight] for r in have) if have else None


def table(runs: dict) -> list:
    "(measure, LEDITS++, instruction, target, met) rows."
    f2 = lambda v: '–' if v is None else f'{v:.2f}'
    f3 = lambda v: '–' if v is None else f'{v:.3f}'
    n0 = lambda v: '–' if v is None else f'{v:,.0f}'
    gt = {k: [r for r in v['ground-truth']['rows'] if r['search'] == 'beam'] for k, v in runs.items()}
    ag = {k: v['agreement']['rows'] for k, v in runs.items()}
    out = []
    def row(name, fmt, get, target=None, ok=None):
        vals = [get(k) for k in runs]
        out.append((name, *map(fmt, vals), target or '', '' if ok is None or vals[-1] is None else
                    ('yes' if ok(vals[-1]) else '**no**')))
    faces = gt['instruct'][0]['images']
    row(f'precision@k, all causes (4 toy classifiers x {faces} faces)', f3,
        lambda k: mean(gt[k], 'precision_at_k', 'images'), '>= 0.95', lambda v: v >= 0.95)
    row('precision@k over the causes the editor produced', f3, lambda k: mean(gt[k], 'precision_made', 'images'),
        '1.00', lambda v: v >= 1.0 - 1e-9)
    for c in [r['classifier'] for r in gt['instruct']]:
        row(f'  {c}', f2, lambda k: next((r['precision_at_k'] for r in gt[k] if r['classifier'] == c), None))
    row('causes the editor could not produce (of all causes)', str,
        lambda k: f"{sum(r['causes_not_edited'] for r in gt[k])} of {sum(r['causes'] for r in gt[k])}")
    judged = ag['instruct'][0]['judged']
    row(f'agreement@k adjusted (7 classifiers x {judged} faces)', f3,
        lambda k: mean(ag[k], 'agreement_adjusted', 'judged'), '>= 0.95', lambda v: v >= 0.95)
    row('agreement@k over the semantics the editor produced', f3, lambda k: mean(ag[k], 'agreement_made', 'judged'))
    for c in [r['classifier'] for r in ag['instruct']]:
        row(f'  {c}', f2, lambda k: next((r['agreement_adjusted'] for r in ag[k] if r['classifier'] == c), None),
            '>= 0.90', lambda v: v >= 0.90)
    row('exact top-k semantics the editor could not produce', str, lambda k: str(sum(r['not_edited'] for r in ag[k])))
    row('UNet evaluations per explanation, ground truth', n0, lambda k: mean(gt[k], 'unet_evals', 'images'))
    row('UNet evaluations per explanation, agreement', n0, lambda k: mean(ag[k], 'unet_evals', 'judged'))
    row('edits per explanation, ground truth', n0, lambda k: mean(gt[k], 'edits', 'images'))
    row('minutes (ground truth / agreement)', str,
        lambda k: f"{runs[k]['ground-truth']['seconds'] / 60:.0f} / {runs[k]['agreement']['seconds'] / 60:.0f}")
    return out


def markdown(ledits: Path, instruct: Path) -> str:
    "The side-by-side table of the runs in folders `ledits` and `instruct`, as markdown."
    runs = {'ledits': read(Path(ledits)), 'instruct': read(Path(instruct))}
    rows = [('measure', 'LEDITS++ toy', 'instruction toy', 'target (instruction)', 'met')] + table(runs)
    return '\n'.join(['| ' + ' | '.join(rows[0]) + ' |', '|' + '---|' * len(rows[0])]
                     + ['| ' + ' | '.join(r) + ' |' for r in rows[1:]])


def main(argv=None):
    a = argv if argv is not None else sys.argv[1:]
    dirs = [x for x in a if not x.startswith('--')]
    if len(dirs) != 2: sys.exit(__doc__)
    print(markdown(*dirs))


if __name__ == '__main__':
    main()
