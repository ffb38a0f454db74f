"""The toy diffusion editor arm of issue 34's search benchmark: diffex's default search (`explain`) against exhaustive
search (`flat_search(seeds=3, leaves_only=False)`) with the toy LEDITS++ editor and the toy probe verifier.

    OMP_NUM_THREADS=1 nohup nice -n 10 python benchmarks/search/diffusion.py run &     # resumable: rerun after a stop
    python benchmarks/search/diffusion.py table            # the markdown table of what is recorded
    python benchmarks/search/diffusion.py run --searches diffex --out TRIAL   # diffex's search alone (from the cache)
    python benchmarks/search/diffusion.py table --out benchmarks/search/diffusion.jsonl TRIAL   # against exhaustive

Issue 34's target for this arm: toy-260 and the mined shape (mined-350-s0), rules 'older', 'hipster' and 'cheerful'
(whose causes the toy editor can draw), 6 faces shared by all three rules: precision@k >= 0.90 and at least
exhaustive's minus 0.02, at most 1/4 of exhaustive's UNet evaluations.

Editor: `toyworld.load(diffusion=True).editor(cache_dir=...)` (the tuned `TOY_EDIT` settings), one disk cache per
corpus under `runs/search-diffusion/` (not committed): exhaustive search's edits of a face are made once and reused by
the other rules and by diffex's own search on that face. Verifier: the toy probe (`toyworld.ProbeVerifier`), with the
classifiers' and the probe's outputs remembered per image (`run.Memo`: changes only the time).

Faces (seed 34), the same for the three rules: for 'add', faces on which every rule is undecided and every cause can be
added (`groundtruth.open_faces`'s condition for each rule at once); for 'remove' (`--directions remove`), faces on which
each rule holds through exactly one cause (`groundtruth.showing_faces`'s condition for each rule at once), scored
against `groundtruth.remove_causes`.

Jobs run face by face; within a face and corpus: exhaustive search for the first rule (it makes the edits), diffex's
search for the three rules, then exhaustive search for the other two (cache hits). One thread; one JSON line per
finished job in `diffusion.jsonl`; a rerun skips the jobs recorded.

**Cost.** UNet evaluations, inversions and null edits included. A search that reads edits from the disk cache spends
no UNet evaluation on them, so each record carries two figures:
- `unet_new`: the UNet evaluations this run really made (`cost['unet_evals']`); about 0 for every search that runs on a
  face after the first exhaustive search (the check that the cache hits);
- `unet_evals`: what the search costs alone with an empty cache: the sum, over the distinct cache entries it asked for
  (inversions, null edits, edits), of the UNet evaluations each entry took when it was made (a batch's evaluations
  split evenly over its edits). Every entry's cost is a measurement, kept in the cache folder's `ledger.jsonl`; for
  the search that made every entry it asked for (the first exhaustive search of a face) `unet_evals` equals
  `unet_new`, which each record checks (`standalone_check`).

precision@k (distinct): `groundtruth.precision_distinct` with the oracle's attribute map (`toyworld.attribute_map`),
k = the rule's causes the corpus can draw, pooled per corpus (causes found / causes asked), as in `run.py`.

The code measured is whatever `import diffex` finds; to measure one commit while the tree changes, run from a snapshot
(from a folder other than the repository root) and name it in BENCH_CODE:

    git archive HEAD diffex | tar -x -C /tmp/snapdiff
    cd /tmp && BENCH_CODE=$(git -C /work/main rev-parse --short HEAD) PYTHONPATH=/tmp/snapdiff OMP_NUM_THREADS=1 \\
        nohup nice -n 10 python /work/main/benchmarks/search/diffusion.py run &
"""
import os
os.environ.setdefault('OMP_NUM_THREADS', '1')
import argparse, itertools, json, random, sys, time
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE/'diffusion.jsonl'
TRIALS = HERE/'diffusion-trials.jsonl'   # the steps to today's default (see diffusion.md)
CACHE = HERE.parent.parent/'runs'/'search-diffusion'
RULES = ('older', 'hipster', 'cheerful')
CORPORA = ('toy-260', 'mined-350-s0')
FACE_SEED = 34
TARGET_SHARE, TARGET_P = 0.25, 0.90


def shared_faces(direction: str, n: int, rules=RULES, seed: int = FACE_SEED) -> list:
    """`n` toy faces shared by every rule of `rules`: for 'add', `groundtruth.open_faces`'s condition for each rule (the
    rule is false, no cause nor editable parent of a cause shown, not bald); for 'remove', `showing_faces`'s (the rule
    holds through exactly one cause)."""
    from diffex import toyworld
    rng, out = random.Random(f'{seed}|{direction}|{",".join(rules)}'), []
    def opened(name, f):
        cs = toyworld.causes(name)
        paths = set(cs) | {c.rsplit('/', 1)[0] for c in cs if c.rsplit('/', 1)[0] in toyworld.EDITS}
        return not toyworld.label(name, f) and not any(toyworld.has(f, p) for p in paths)
    def showing(name, f):
        return toyworld.label(name, f) and sum(toyworld.has(f, c) for c in toyworld.causes(name)) == 1
    ok = opened if direction == 'add' else showing
    for _ in range(1_000_000):
        if len(out) == n: return out
        f = toyworld.sample_face(rng)
        if f.hair_style != 'bald' and all(ok(r, f) for r in rules): out.append(f)
    raise RuntimeError(f'found only {len(out)} of {n} faces shared by {rules} for {direction!r}')


class Ledger:
    """The UNet evaluations of every cache entry the editor makes, and the entries each search asks for.

    Wraps `editor.cache.get` (every request: inversions, null edits and edits, hits or not) and `editor.cache.put`
    (every entry made: the UNet evaluations since the last request or entry go to it, a batch's split evenly over the
    entries it made). Entries' costs are appended to `path` as they are made, so they outlive the run."""
    def __init__(self, editor, path: Path):
        self.ed, self.path, self.cost, self.groups = editor, Path(path), {}, {}
        self.asked, self.inversions, self.gid = set(), set(), None
        self.pid, self.n_groups = os.getpid(), itertools.count()
        if self.path.exists():
            for line in self.path.read_text().splitlines():
                if not line.strip(): continue
                try: r = json.loads(line)
                except json.JSONDecodeError: continue     # a line cut by a kill
                g = self.groups.setdefault(r['g'], [0, 0]); g[0] += r['c']; g[1] += 1
                self.cost[r['k']] = r['g']
        cache, self.mark = editor.cache, self._n()
        get, put, get_t = cache.get, cache.put, cache.get_tensors
        def logged_get(key):
            self.asked.add(key); self.mark = self._n()
            return get(key)
        def logged_get_tensors(key, *a, **k):
            self.inversions.add(key)
            return get_t(key, *a, **k)
        def logged_put(key, payload):
            d = self._n() - self.mark
            if d > 0 or self.gid is None: self.gid = f'{self.pid}-{next(self.n_groups)}-{time.time():.0f}'
            self.mark = self._n()
            g = self.groups.setdefault(self.gid, [0, 0]); g[0] += d; g[1] += 1
            self.cost[key] = self.gid
            with open(self.path, 'a') as fh: fh.write(json.dumps(dict(k=key, g=self.gid, c=d)) + '\n')
            return put(key, payload)
        cache.get, cache.put, cache.get_tensors = logged_get, logged_put, logged_get_tensors

    def _n(self) -> int: return self.ed.counter.n

    def start(self): self.asked, self.inversions = set(), set()

    def standalone(self) -> tuple:
        "(UNet evaluations of the entries asked for since `start`, entries asked, inversions asked, entries of unknown cost)."
        known = [k for k in self.asked if k in self.cost]
        tot = sum(self.groups[self.cost[k]][0] / self.groups[self.cost[k]][1] for k in known)
        return round(tot), len(self.asked), len(self.inversions), len(self.asked) - len(known)


def run_search(search, rule, clf, editor, ledger, tree, attrs, face_i, face, direction, corpus, verifier,
               settings=None) -> dict:
    from diffex import groundtruth, toyworld
    from diffex.explain import explain
    from diffex.baselines import flat_search
    im = toyworld.draw(face)
    drawable = set(attrs.values()) - {None}
    causes = toyworld.causes(rule) if direction == 'add' else groundtruth.remove_causes(rule, face)
    causes = [c for c in causes if c in drawable]
    base = dict(corpus=corpus, nodes=len(attrs), rule=rule, face=face_i, direction=direction, search=search,
                arm='diffusion', code=os.environ.get('BENCH_CODE', 'working tree'))
    if not causes: return dict(base, skipped='no cause drawable')
    ledger.start()
    t0 = time.time()
    if search == 'exhaustive':
        e = flat_search(im, clf, editor, tree, rule, seeds=3, directions=(direction,), verifier=verifier,
                        leaves_only=False, keep_images=False)
    else:
        e = explain(im, clf, editor, tree, rule, directions=(direction,), verifier=verifier, progress=False,
                    keep_images=False, **(settings or {}))
        if settings: base['settings'] = settings
    secs = time.time() - t0
    alone, asked, invs, unknown = ledger.standalone()
    rk = e.ranking()
    hits = round(groundtruth.precision_distinct(rk, attrs, causes) * len(causes))
    stages = [dict(level=lv.depth, scored=len(lv.scored), kept=len(lv.kept), edits=lv.edits) for lv in e.levels]
    return dict(base, edits=int(e.cost['edits']), stages=stages, unet_evals=alone, unet_new=int(e.cost['unet_evals']),
                entries=asked, inversions=invs, unknown_cost_entries=unknown, k=len(causes), causes=causes, hits=hits,
                top=groundtruth.findings(rk, attrs)[:6], seconds=round(secs, 1),
                cache_hits=editor.cache.hits, cache_misses=editor.cache.misses)


def load(path: Path) -> list:
    if not path.exists(): return []
    out = []
    for line in path.read_text().splitlines():
        try: out.append(json.loads(line))
        except json.JSONDecodeError: pass
    return out


def run(args):
    import torch
    torch.set_num_threads(1)
    from diffex import bench, toyworld
    from diffex.corpus_shapes import corpus_shape
    sys.path.insert(0, str(HERE))
    from run import Memo
    world = toyworld.load(diffusion=True)
    verifier = toyworld.ProbeVerifier(Memo(world.probe.eval()))
    world.nets = {n: Memo(m) for n, m in world.nets.items()}
    clfs = {r: world.classifier(r) for r in RULES}
    done = {(r['corpus'], r['rule'], r['face'], r['direction'], r['search']) for r in load(args.out)}
    settings = {k: json.loads(v) for k, v in (a.split('=', 1) for a in args.setting)}   # explain's settings
    t_start, per_corpus = time.time(), {}
    for d in args.directions:
        faces = shared_faces(d, args.faces)
        for i in range(args.first, args.faces):
            for corpus in args.corpora:
                if corpus not in per_corpus:      # one editor (one UNet counter, one cache) per corpus for the run
                    tree = bench.bench_corpus(corpus) if corpus.startswith('toy') else corpus_shape(corpus)
                    editor = world.editor(cache_dir=args.cache/corpus)
                    per_corpus[corpus] = (tree, toyworld.attribute_map(tree), editor,
                                          Ledger(editor, args.cache/corpus/'ledger.jsonl'))
                tree, attrs, editor, ledger = per_corpus[corpus]
                jobs = ([('exhaustive', RULES[0])] + [('diffex', r) for r in RULES]
                        + [('exhaustive', r) for r in RULES[1:]])
                for search, rule in jobs:
                    if (corpus, rule, i, d, search) in done or search not in args.searches: continue
                    rec = run_search(search, rule, clfs[rule], editor, ledger, tree, attrs, i, faces[i], d, corpus,
                                     verifier, settings)
                    if search == 'exhaustive' and rule == RULES[0] and rec.get('unet_new'):
                        rec['standalone_check'] = f"{rec['unet_evals']} computed / {rec['unet_new']} measured"
                    with open(args.out, 'a') as fh: fh.write(json.dumps(rec) + '\n')
                    print(f'[{time.time() - t_start:6.0f} s] {d} face {i} {corpus:13s} {search:10s} {rule:9s} '
                          f"{rec.get('seconds', 0):7.1f} s  edits {rec.get('edits')}  UNet {rec.get('unet_evals')} "
                          f"(new {rec.get('unet_new')})  hits {rec.get('hits')}/{rec.get('k')}", flush=True)


def held_out(corpus: str) -> bool:
    "Whether `corpus` comes from the held-out generator seed (`corpus_shapes.HELD_OUT`: 'mined-350-s2'), used for no choice."
    from diffex.corpus_shapes import HELD_OUT
    tail = corpus.rsplit('-s', 1)
    return len(tail) == 2 and tail[1].isdigit() and int(tail[1]) in HELD_OUT


def hits_merged(r: dict) -> int:
    """The causes among the first k distinct findings of record `r` when a finding that is a group above exactly one
    of the causes ('facial hair/beard' above 'goatee') counts as that cause: a secondary reading (see the page)."""
    causes = r['causes']
    def as_cause(f):
        below = [c for c in causes if c.startswith(f + '/')]
        return below[0] if len(below) == 1 else f
    return len(set(list(dict.fromkeys(as_cause(f) for f in r['top']))[:r['k']]) & set(causes))


def table(args):
    "Print per corpus and direction: p@k and UNet evaluations of diffex's search and exhaustive search, and the share."
    recs = {}
    for f in args.out:         # a later file's record of a job replaces an earlier one's
        for r in load(f):
            if 'skipped' in r: continue
            if r['search'] == 'diffex' and (('trial' in r) != bool(args.trial) or args.trial not in r.get('trial', '')):
                continue        # diffex's records of the trial asked for (exhaustive search's are the same for all)
            recs[r['corpus'], r['rule'], r['face'], r['direction'], r['search']] = r
    recs = list(recs.values())
    if not recs: print(f'no records in {", ".join(map(str, args.out))}'); return
    head = ['corpus', 'nodes', 'direction', 'faces', 'jobs', 'p@k diffex', 'p@k exhaustive',
            'p@k diffex, group as its cause', 'p@k exhaustive, group as its cause', 'UNet evals diffex',
            'UNet evals exhaustive', 'share (target <= 0.25)', 'edits diffex', 'edits exhaustive',
            'new UNet evals, exhaustive rules 2-3', 'target met']
    rows = []
    for corpus, d in sorted({(r['corpus'], r['direction']) for r in recs}, key=lambda k: ((CORPORA + (k[0],)).index(k[0]), k[1] != 'add')):
        rs = [r for r in recs if r['corpus'] == corpus and r['direction'] == d]
        by = {}
        for r in rs: by.setdefault((r['rule'], r['face']), {})[r['search']] = r
        for rule in (None,) + RULES:        # the corpus (every rule pooled), then each rule
            pairs = [v for (ru, _), v in by.items() if 'diffex' in v and 'exhaustive' in v and rule in (None, ru)]
            if not pairs: continue
            faces = {f for _, f in by}
            full = sorted(f for f in faces if all('diffex' in by.get((ru, f), {}) and 'exhaustive' in by.get((ru, f), {})
                                                  for ru in RULES))
            def p(s): return sum(v[s]['hits'] for v in pairs) / sum(v[s]['k'] for v in pairs)
            def pm(s):     # 'remove' asks for the group and the cause (`remove_causes`): no secondary reading
                if d != 'add': return None
                return sum(hits_merged(v[s]) for v in pairs) / sum(v[s]['k'] for v in pairs)
            def mean(s, f): return sum(v[s][f] for v in pairs) / len(pairs)
            share = mean('diffex', 'unet_evals') / mean('exhaustive', 'unet_evals')
            later = [v['exhaustive']['unet_new'] for (ru, _), v in by.items()
                     if 'exhaustive' in v and ru != RULES[0] and rule in (None, ru)]
            unknown = sum(v[s].get('unknown_cost_entries', 0) for v in pairs for s in ('diffex', 'exhaustive'))
            parts = {'p@k >= 0.90': p('diffex') >= TARGET_P, "p@k >= exhaustive's - 0.02": p('diffex') >= p('exhaustive') - 0.02,
                     'share <= 0.25': share <= TARGET_SHARE,
                     f'every cost known ({unknown} cache entries of unknown cost: made without the ledger)': not unknown}
            met = 'yes' if all(parts.values()) else 'no: ' + ', '.join(f'not {k}' for k, v in parts.items() if not v)
            name = corpus + (' (held out)' if held_out(corpus) else '')
            rows.append([name if rule is None else f'{corpus} · {rule}', str(rs[0]['nodes']), d,
                         f'{len(full)} of 6' if rule is None else '', str(len(pairs)), f"{p('diffex'):.2f}",
                         f"{p('exhaustive'):.2f}", *('–' if pm(s) is None else f'{pm(s):.2f}' for s in ('diffex', 'exhaustive')),
                         f"{mean('diffex', 'unet_evals'):,.0f}",
                         f"{mean('exhaustive', 'unet_evals'):,.0f}", f'{share:.3f}', f"{mean('diffex', 'edits'):,.0f}",
                         f"{mean('exhaustive', 'edits'):,.0f}", (f'max {max(later)}' if later else '–'),
                         met if rule is None else ''])
    print('| ' + ' | '.join(head) + ' |'); print('|' + '---|' * len(head))
    for r in rows: print('| ' + ' | '.join(r) + ' |')
    codes = sorted({r['code'] for r in recs})
    print(f"\nfaces: shared by {', '.join(RULES)}, those with both searches recorded for every rule; jobs: one rule on one "
          "face with both searches (the rows 'corpus · rule': that rule alone); "
          "p@k: precision@k (distinct), pooled (causes found / causes asked); 'group as its cause': the same with a "
          "finding that is the group above one cause counted as that cause (secondary); UNet evals: mean per job, what the search "
          "costs alone with an empty cache (inversions and null edits included), from the measured cost of every cache "
          "entry it asked for; share: diffex / exhaustive; target met: p@k >= 0.90, >= exhaustive's - 0.02, share "
          "<= 0.25, and every cache entry the searches asked for has a measured cost (an entry made without the ledger "
          f"would make the cost a lower bound); code measured: {', '.join(codes)}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('run', help='run the jobs not yet recorded')
    r.add_argument('--faces', type=int, default=6, help='faces (default: 6, the issue\'s)')
    r.add_argument('--first', type=int, default=0, help='the first face index to run (default: 0)')
    r.add_argument('--corpora', nargs='*', default=list(CORPORA), help=f'corpora (default: {list(CORPORA)})')
    r.add_argument('--directions', nargs='*', default=['add'], choices=('add', 'remove'), help="default: add")
    r.add_argument('--out', type=Path, default=RESULTS)
    r.add_argument('--searches', nargs='*', default=['exhaustive', 'diffex'], choices=('exhaustive', 'diffex'),
                   help='the searches to run (default: both; diffex alone, with --out TRIAL, measures a change of '
                        "diffex's search against the exhaustive records of the default file: `table --out "
                        f'{RESULTS.name} TRIAL`)')
    r.add_argument('--setting', action='append', default=[], metavar='KEY=VALUE',
                   help="a setting of diffex's search (`explain`'s keywords, JSON values: screen_fidelity=0.5, "
                        'beam=4), repeatable; recorded as `settings`')
    r.add_argument('--cache', type=Path, default=CACHE, help=f'edit caches, one folder per corpus (default: {CACHE})')
    t = sub.add_parser('table', help='print the markdown table of the recorded results')
    t.add_argument('--out', type=Path, nargs='+', default=[RESULTS],
                   help='record files, read in order (a later record of the same job replaces an earlier one)')
    t.add_argument('--trial', default='', help="diffex's records of the trial whose `trial` contains this text "
                   "(without --trial, diffex's records that are no trial's): "
                   f'`table --out {RESULTS.name} {TRIALS.name} --trial "next seed"`')
    a = p.parse_args(argv)
    run(a) if a.cmd == 'run' else table(a)


if __name__ == '__main__':
    sys.exit(main())
