"""The search benchmark of issue 34: today's default search against exhaustive search, on corpora in the shapes users
have, with exact and noisy oracle edits, so that only the search is judged.

    OMP_NUM_THREADS=1 python benchmarks/search/run.py run               # resumable: rerun after any stop
    OMP_NUM_THREADS=1 python benchmarks/search/run.py run --faces 1     # the first face of every job only
    python benchmarks/search/run.py table                               # the table of what is recorded
    python benchmarks/search/run.py table --markdown > benchmarks/search/gap.md
    python benchmarks/search/run.py targets                             # every target of issue 34, one print

Corpora (`diffex.corpus_shapes`): the built-in `faces`, and for generator seeds 0, 1 and 2 (2 held out: it is used
only for the final table, marked `held out`) a mined and a deep corpus of 350 and of 1,100 leaves. Asked for by name
(`--corpora`), also the fixed benchmark corpora of `diffex.bench` ('toy', 37 leaves; 'toy-100'; 'toy-260'), where the
cost curves of the Performance page start.

Arms: exact edits (`toyworld.OracleEditor`, which draws refinements such as 'neat full beard') and a seeded noisy
oracle (`toyworld.NoisyOracleEditor`: 5% failed edits, side effects on 34% of edits, the toy LEDITS++ editor's
measured locality). Both use the toy world's probe verifier.

Classifiers: the four shipped toy classifiers (`world.classifier(name)`, causes `world.causes(name)`) and three CNNs
trained here on `groundtruth.BENCH_RULES` with seed 34 (not a seed used for tuning). Faces: for 'add', the shipped
classifiers get `groundtruth.open_faces` and the trained ones faces they call negative; for 'remove', faces that show
exactly one cause (`groundtruth.showing_faces`), and for the trained ones faces they call positive.

Searches: `explain` with its defaults (today's default search) and exhaustive search (`flat_search(seeds=3,
leaves_only=False)`), the same directions, verifier and editor. Measures (issue 34's definitions):
- cost: every edit (`cost['edits']`);
- precision@k (distinct), shipped classifiers: the causal attributes among the first k distinct findings (nodes the
  oracle's attribute map sends to one attribute are one finding), k = the causes the corpus can draw; pooled per
  corpus (causes found / causes);
- agreement@k (distinct), trained classifiers: exhaustive search's top findings under exact edits
  (`groundtruth.exact_top`) found among the first as many distinct findings; pooled the same way.

Jobs run face by face (every corpus, classifier and direction for face 0, then face 1, ...), so a run stopped early
covers every corpus with fewer faces. One thread; every record is one line of `results.jsonl`.

The records labelled 'default' are the fixed beam (the default before issue 34, code 08b6008). Any other search is
measured on its own under a label, beside the exhaustive and old default records already made (exhaustive search is
not run again: the trained classifiers' targets come from its recorded exact-arm records). Today's default, the
optimistic search (`benchmarks/search/optimistic.md`), was recorded as

    BENCH_CODE=7a6385b OMP_NUM_THREADS=1 python benchmarks/search/run.py run --search optimistic --arms exact --faces 2
    BENCH_CODE=7a6385b OMP_NUM_THREADS=1 python benchmarks/search/run.py run --search optimistic --arms noisy --faces 2
    python benchmarks/search/run.py table --search optimistic --markdown   # old default, optimistic, exhaustive

and other settings are tried with `--set` (e.g. `--search beam5 --set beam=5 --corpora faces mined-350-s0 --arms
exact`; `--out FILE` keeps trial records out of results.jsonl, `table --from FILE` reads them).

Its records carry `search` = the label (`--search`) and `settings` (the `--set` settings, applied to `explain`).

Two labels name another procedure than `explain`:
- `--search exhaustive` runs exhaustive search alone (on corpora that have no exhaustive records yet, such as the toy
  corpora; the trained classifiers' targets come from its exact arm, so run the exact arm first or both together);
- `--search reference` (or any label starting with 'reference') runs the DiffEx reference procedure
  (`baselines.diffex_reference`, its own defaults: 4 samples per keyword, beam 8, top 25; `--set` settings go to
  it) on the same jobs and editor arm. It takes no verifier and has no direction (it edits by adding each keyword,
  with no parent context); its ranking (`ReferenceResult.ranking`, the top leaves by |delta| of probability) is
  scored exactly as the other searches' rankings, and its cost is every edit it makes.

The reference and the toy corpora were recorded as (the exact arm first, so that the trained classifiers have targets)

    git archive e6347a2 diffex | tar -x -C /tmp/snap34-e6347a2
    cd /tmp && export BENCH_CODE=e6347a2 PYTHONPATH=/tmp/snap34-e6347a2 OMP_NUM_THREADS=1
    python RUN run --search exhaustive --arms exact --corpora toy toy-100 toy-260
    python RUN run --search optimistic-e6347a2 --arms exact --corpora toy toy-100 toy-260
    python RUN run --search reference --arms exact --corpora toy toy-100 toy-260 faces mined-350-s0 ...
    python RUN table --search optimistic reference      # several labelled searches side by side

(RUN = benchmarks/search/run.py; the same with `--arms noisy`), and the toy corpora with the optimistic search of
7a6385b (label 'optimistic', `BENCH_CODE=7a6385b` from its own snapshot), so that one code spans every size.

The code measured is whatever `import diffex` finds. To measure one commit while the working tree changes, run from a
snapshot of it (from a folder other than the repository root, so that the checkout is not imported instead):

    git archive COMMIT diffex | tar -x -C /tmp/snap
    cd /tmp && BENCH_CODE=COMMIT PYTHONPATH=/tmp/snap OMP_NUM_THREADS=1 python /path/to/benchmarks/search/run.py run
"""
import os
os.environ.setdefault('OMP_NUM_THREADS', '1')
import argparse, json, random, sys, time
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE/'results.jsonl'
CACHE = HERE/'classifiers'
SHIPPED = ('older', 'formal', 'cheerful', 'hipster')
TRAINED = ('warm', 'disguised', 'tanned')
TRAIN_SEED = 34           # the trained classifiers' seed: faces, weights, batches (the faithfulness runs used 0)
FACE_SEED = 34            # the seed of the benchmark's faces
DIRECTIONS = ('add', 'remove')
ARMS = ('exact', 'noisy')


import torch


class Head(torch.nn.Module):
    "One head of a `ToyCNN`, as a module that returns its logits."
    def __init__(self, net, name: str): super().__init__(); self.net, self.name = net, name
    def forward(self, x): return self.net(x)[self.name]


class Memo(torch.nn.Module):
    """`net` with its outputs remembered per input image (by the bytes of its row of the batch). The exhaustive search
    edits 1,250 nodes of which a few dozen draw something, so most of its images repeat; remembering them changes
    no result and no edit count, only the time."""
    def __init__(self, net): super().__init__(); self.net, self.memo = net, {}
    def forward(self, x):
        import hashlib
        keys = [hashlib.blake2b(r.detach().cpu().numpy().tobytes(), digest_size=16).digest() for r in x]
        miss = list(dict.fromkeys(k for k in keys if k not in self.memo))
        if miss:
            first = {k: i for i, k in reversed(list(enumerate(keys)))}
            out = self.net(x[[first[k] for k in miss]])
            for j, k in enumerate(miss):
                self.memo[k] = {h: v[j] for h, v in out.items()} if isinstance(out, dict) else out[j]
        got = [self.memo[k] for k in keys]
        return {h: torch.stack([g[h] for g in got]) for h in got[0]} if isinstance(got[0], dict) else torch.stack(got)


def trained_classifiers(names=TRAINED) -> dict:
    """name -> (classifier, held-out accuracy) for the `names` among `TRAINED`: `groundtruth.train_rule_classifier` with
    seed `TRAIN_SEED`, kept in `classifiers/` (committed, safetensors, with their sha256 in the .json beside them). The
    weights are committed because training is not bitwise the same on two CPU kinds: the records of a trained
    classifier hold only for its weights (`weights_id`). Without the files, it trains them (about 5 minutes each on a
    busy core) and writes them."""
    from diffex import groundtruth, toyworld
    from diffex.classifiers import TorchClassifier
    from safetensors.torch import load_file, save_file
    out = {}
    CACHE.mkdir(exist_ok=True)
    for n in [n for n in TRAINED if n in names]:
        f, meta = CACHE/f'{n}-s{TRAIN_SEED}.safetensors', CACHE/f'{n}-s{TRAIN_SEED}.json'
        if f.exists() and meta.exists():
            net = toyworld.ToyCNN({n: 2}, width=16)
            net.load_state_dict(load_file(str(f)))
            acc = json.loads(meta.read_text())['held_out_accuracy']
        else:
            t0 = time.time()
            clf, acc = groundtruth.train_rule_classifier(n, seed=TRAIN_SEED)
            net = clf.model.net
            save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(f))
            meta.write_text(json.dumps(dict(rule=n, seed=TRAIN_SEED, held_out_accuracy=acc, sha256_12=sha12(f))) + '\n')
            print(f'trained {n} (seed {TRAIN_SEED}): held-out accuracy {acc:.3f}, {time.time() - t0:.0f} s', flush=True)
        out[n] = (TorchClassifier(Head(net.eval(), n), toyworld.to_tensor, [f'not {n}', n], name=f'bench-{n}-s{TRAIN_SEED}',
                                  batch_size=256), acc)
    return out


def sha12(path: Path) -> str:
    import hashlib
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def weights_id(name: str) -> str|None:
    "The id of trained classifier `name`'s committed weights (the first 12 hex digits of their sha256); None: none yet."
    f = CACHE/f'{name}-s{TRAIN_SEED}.safetensors'
    return sha12(f) if f.exists() else None


def faces_for(name: str, clf, direction: str, n: int) -> list:
    "The `n` benchmark faces of classifier `name` for `direction` (see the module's docstring)."
    from diffex import groundtruth, toyworld
    if name in SHIPPED:
        return (groundtruth.open_faces(name, n, FACE_SEED) if direction == 'add'
                else groundtruth.showing_faces(name, n, FACE_SEED))
    rng, out = random.Random(f'{FACE_SEED}|{name}|{direction}'), []
    t = clf.target_index(name)
    while len(out) < n:
        f = toyworld.sample_face(rng)
        if f.hair_style == 'bald' and direction == 'add': continue
        pos = clf.score([toyworld.draw(f)], t, 'logodds')[0] > 0
        if pos == (direction == 'remove'): out.append(f)
    return out


def method_of(label: str|None) -> str:
    "What a `--search` label runs: 'both' (no label: exhaustive and explain), 'exhaustive', 'reference' or 'explain'."
    if label is None: return 'both'
    return 'exhaustive' if label == 'exhaustive' else 'reference' if label.startswith('reference') else 'explain'


def load_corpus(name: str):
    "A benchmark corpus by name: a fixed one of `diffex.bench` ('toy', 'toy-100', 'toy-260') or a `corpus_shape`."
    from diffex import bench
    from diffex.corpus_shapes import corpus_shape
    return bench.bench_corpus(name) if name in bench.BENCH_CORPORA else corpus_shape(name)


def corpus_meta(corpus: str) -> tuple:
    "(shape, size, seed) of a corpus name: 'faces' (size 123), 'toy' (37), 'toy-100', 'mined-350-s0', ..."
    if corpus == 'faces': return 'faces', 123, None
    if corpus == 'toy': return 'toy', 37, None
    shape, size, seed = (corpus.split('-') + [None, None])[:3]
    return shape, int(''.join(ch for ch in size if ch.isdigit())) if size else None, int(seed[1:]) if seed else None


def run_job(corpus: str, tree, attrs: dict, name: str, clf, direction: str, face, face_i: int, verifier,
            label: str|None = None, settings: dict|None = None, arms=ARMS, wants: dict|None = None) -> list:
    """The four records (arm x search) of one face, classifier, direction and corpus; with `label`, only the records of
    that search under that label (one per arm: `explain(**settings)`, exhaustive search alone, or
    `diffex_reference(**settings)`, see `method_of`), the trained classifiers' targets taken from `wants` (or, for
    exhaustive search, from its own exact arm)."""
    from diffex import groundtruth, toyworld
    from diffex.explain import explain
    from diffex.baselines import flat_search, diffex_reference
    method = method_of(label)
    im = toyworld.draw(face)
    drawable = set(attrs.values()) - {None}
    if name in SHIPPED:
        causes = toyworld.causes(name) if direction == 'add' else groundtruth.remove_causes(name, face)
        causes = [c for c in causes if c in drawable]
        if not causes: return [dict(corpus=corpus, classifier=name, direction=direction, face=face_i,
                                    skipped='no cause drawable', **({'search': label} if label else {}))]
    shape, size, seed = corpus_meta(corpus)
    base = dict(corpus=corpus, shape=shape, size=size, seed=seed, classifier=name,
                kind='shipped' if name in SHIPPED else 'trained', direction=direction, face=face_i, nodes=len(attrs),
                code=os.environ.get('BENCH_CODE', 'working tree'))
    recs, want = [], None
    if method != 'both':
        if method != 'exhaustive': base['settings'] = settings or {}
        want = (wants or {}).get((corpus, name, direction, face_i))
        if name not in SHIPPED and want is None and not (method == 'exhaustive' and arms[:1] == ('exact',)):
            return [dict(base, search=label, skipped='no exhaustive record for the target')]
    for arm in arms:
        editor = toyworld.OracleEditor() if arm == 'exact' else toyworld.NoisyOracleEditor()
        runs = []
        if method in ('both', 'exhaustive'):
            t0 = time.time()
            exh = flat_search(im, clf, editor, tree, name, seeds=3, directions=(direction,), verifier=verifier,
                              leaves_only=False, keep_images=False)
            runs.append(('exhaustive', exh, time.time() - t0))
            if arm == 'exact' and name not in SHIPPED:
                want = groundtruth.exact_top({p: e[direction].mean for p, e in exh.effects.items()
                                              if direction in e and e[direction].n}, attrs)
        if method in ('both', 'explain'):
            t0 = time.time()
            ex = explain(im, clf, editor, tree, name, directions=(direction,), verifier=verifier, progress=False,
                         keep_images=False, **(settings or {}))
            runs.append(('default' if label is None else label, ex, time.time() - t0))
        if method == 'reference':    # no verifier, no direction: the reference's own procedure
            t0 = time.time()
            ref = diffex_reference(im, clf, editor, tree, name, **(settings or {}))
            runs.append((label, ref, time.time() - t0))
        for search, e, secs in runs:
            rk = e.ranking()
            r = dict(base, arm=arm, search=search, edits=int(e.cost['edits']), seconds=round(secs, 2),
                     top=groundtruth.findings(rk, attrs)[:6])
            if name in SHIPPED:
                r.update(k=len(causes), causes=causes, hits=round(groundtruth.precision_distinct(rk, attrs, causes)
                                                                  * len(causes)))
            else:
                a = groundtruth.agreement_distinct(rk, attrs, want)
                r.update(k=len(want), want=want, hits=None if a is None else round(a * len(want)),
                         weights=weights_id(name))
            recs.append(r)
    return recs


def done_keys(path: Path, label: str|None = None) -> set:
    """The jobs recorded in `path` (a trained classifier's only with today's weights, see `load`): of the
    exhaustive/default runs, or (with `label`) of that search, with their arms."""
    keys = set()
    for r in load(path):
        if (label is None) != (r.get('search', 'default') in ('default', 'exhaustive')): continue
        if label is not None and r.get('search') != label: continue
        keys.add((r['corpus'], r['classifier'], r['direction'], r['face'], r.get('arm')))
    return keys


def recorded_wants(path: Path) -> dict:
    "(corpus, classifier, direction, face) -> the trained classifier's target findings, from exhaustive exact records."
    return {(r['corpus'], r['classifier'], r['direction'], r['face']): r['want'] for r in load(path)
            if r.get('search') == 'exhaustive' and r.get('arm') == 'exact' and r.get('want') is not None}


def parse_settings(items) -> dict:
    "KEY=VALUE strings as `explain` keywords (values read as Python literals where they are one)."
    import ast
    out = {}
    for it in items or []:
        k, _, v = it.partition('=')
        try: out[k] = ast.literal_eval(v)
        except (ValueError, SyntaxError): out[k] = v
    return out


def run(args):
    import torch
    torch.set_num_threads(1)
    from diffex import toyworld
    from diffex.corpus_shapes import corpus_names
    world = toyworld.load(diffusion=False)
    verifier = toyworld.ProbeVerifier(Memo(world.probe.eval()))
    world.nets = {n: Memo(m) for n, m in world.nets.items()}
    want = args.classifiers or SHIPPED + TRAINED
    clfs = {n: world.classifier(n) for n in SHIPPED if n in want}
    if set(want) & set(TRAINED):
        clfs.update({n: c for n, (c, _) in trained_classifiers(want).items()})
        for n in TRAINED:
            if n in clfs: clfs[n].model = Memo(clfs[n].model)
    faces = {(n, d): faces_for(n, c, d, args.faces) for n, c in clfs.items() for d in DIRECTIONS}
    names = args.corpora or corpus_names()
    trees = {}
    label, settings, arms = args.search, parse_settings(args.set), tuple(args.arms or ARMS)
    done = done_keys(args.out, label)
    jobs = {k[:4] for k in done}
    wants = recorded_wants(RESULTS) if label is not None else None
    t_start = time.time()
    for i in range(args.faces):
        for corpus in names:
            if corpus not in trees:
                t = load_corpus(corpus)
                trees[corpus] = (t, toyworld.attribute_map(t))
            tree, attrs = trees[corpus]
            for n, c in clfs.items():
                for d in DIRECTIONS:
                    if label is None and (corpus, n, d, i) in jobs: continue
                    todo = tuple(a for a in arms if (corpus, n, d, i, a) not in done)
                    if not todo or (corpus, n, d, i, None) in done: continue
                    t0 = time.time()
                    recs = run_job(corpus, tree, attrs, n, c, d, faces[n, d][i], i, verifier, label, settings,
                                   todo if label is not None else ARMS, wants)
                    with open(args.out, 'a') as fh:
                        for r in recs: fh.write(json.dumps(r) + '\n')
                    print(f'[{time.time() - t_start:6.0f} s] face {i} {corpus:14s} {n:9s} {d:6s} '
                          f'{time.time() - t0:5.1f} s', flush=True)


def load(path: Path, current: bool = True) -> list:
    """The records of `path`. With `current`, a trained classifier's record counts only if it was made with today's
    committed weights (`weights_id`), and its agreement@k is recounted from its top findings against the target of
    exhaustive search's exact-arm record with those weights (records made before a target was remeasured keep their
    findings, not their old target; another file's records take their targets from `RESULTS` too). A job recorded twice
    by one search (search, settings, corpus, classifier, direction, face, arm) counts once: its later record."""
    recs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []
    if not current: return recs
    ids = {n: weights_id(n) for n in TRAINED}
    ok = lambda r: r['classifier'] not in TRAINED or (ids[r['classifier']] and r.get('weights') == ids[r['classifier']])
    recs = [r for r in recs if ok(r)]
    last = {}                     # one record per search and job: the later one (a job run again with newer code)
    for r in recs:
        last[(r.get('search', 'default'), json.dumps(r.get('settings'), sort_keys=True), r['corpus'], r['classifier'],
              r['direction'], r['face'], r.get('arm'))] = r
    recs = list(last.values())
    base = recs if Path(path).resolve() == RESULTS.resolve() else recs + [r for r in load(RESULTS, False) if ok(r)]
    wants = {(r['corpus'], r['classifier'], r['direction'], r['face']): r['want'] for r in base
             if r['classifier'] in TRAINED and r.get('search') == 'exhaustive' and r.get('arm') == 'exact'
             and r.get('want') is not None}
    for r in recs:
        if r['classifier'] in TRAINED and 'top' in r:
            w = wants.get((r['corpus'], r['classifier'], r['direction'], r['face']))
            if w is None: r['hits'] = None; continue
            r.update(want=w, k=len(w), hits=len(set(r['top'][:len(w)]) & set(w)) if w else None)
    return recs


def table(args):
    """Print precision@k / agreement@k (pooled) and edits per corpus and arm: the old default search and exhaustive
    search, and with `--search LABEL [LABEL ...]` those searches beside them (their records from `--from`, default
    `--out`), e.g. `--search optimistic reference`. With labels, a row covers the jobs every labelled search with
    records on that corpus and arm ran, in every column."""
    from diffex.corpus_shapes import HELD_OUT
    recs = [r for r in load(args.out) if 'skipped' not in r and r.get('search') in ('default', 'exhaustive')]
    labels = [lab for lab in dict.fromkeys(args.search or []) if lab not in ('default', 'exhaustive')]
    if labels:
        recs += [r for r in load(args.source or args.out) if 'skipped' not in r and r.get('search') in labels]
    if not recs: print(f'no records in {args.out}'); return
    searches = ('default', *labels, 'exhaustive')
    def pooled(rs, kind):
        rs = [r for r in rs if r['kind'] == kind and r['hits'] is not None]
        k = sum(r['k'] for r in rs)
        return (sum(r['hits'] for r in rs) / k if k else None), len(rs)
    def f2(v): return '–' if v is None else f'{v:.2f}'
    job = lambda r: (r['corpus'], r['classifier'], r['direction'], r['face'])
    def row(name, nodes, arm, rs):
        if labels:    # only the jobs the labelled searches ran, so that every column covers the same jobs
            ran = [{job(r) for r in rs if r['search'] == lab} for lab in labels]
            ran = set.intersection(*[j for j in ran if j])
            rs = [r for r in rs if job(r) in ran]
        by = {s: [r for r in rs if r['search'] == s] for s in searches}
        ps = [pooled(by[s], 'shipped') for s in searches]
        ag = [pooled(by[s], 'trained') for s in searches]
        ed = [sum(r['edits'] for r in by[s]) / len(by[s]) if by[s] else None for s in searches]
        share = [f'{e / ed[-1]:.3f}' if e is not None and ed[-1] else '–' for e in ed[:-1]]
        return [name, nodes, arm, f'{ps[-1][1]}+{ag[-1][1]}', *(f2(p) for p, _ in ps), *(f2(a) for a, _ in ag),
                *('–' if e is None else f'{e:,.0f}' for e in ed), *share]
    groups = {}
    for r in recs: groups.setdefault((r['corpus'], r['arm']), []).append(r)
    if labels: groups = {k: v for k, v in groups.items() if any(r['search'] in labels for r in v)}
    seeded = lambda c: c != 'faces' and c.rsplit('-', 1)[-1][:1] == 's'    # a generated corpus: SHAPE-LEAVES-sSEED
    nodes_of = {c: groups[c, a][0]['nodes'] for c, a in groups}
    order = lambda key: ((2, str(key[0].split('-')[-1]), key[0]) if seeded(key[0]) else
                         (int(key[0] == 'faces'), nodes_of[key[0]], key[0])) + (key[1],)   # toy corpora, faces, seeded
    head = ['corpus', 'nodes', 'arm', 'faces', *(f'p@k {s}' for s in searches),
            *(f'agree@k {s}' for s in searches), *(f'edits {s}' for s in searches),
            *(f'cost share {s}' for s in searches[:-1])]
    rows = []
    for key in sorted(groups, key=order):
        rs = groups[key]
        seed = rs[0]['seed']
        rows.append(row(key[0] + (' (held out)' if seed in HELD_OUT else ''), str(rs[0]['nodes']), key[1], rs))
    for shape_size in sorted({r['corpus'].rsplit('-', 1)[0] for r in recs if seeded(r['corpus'])}):
        for arm in ARMS:
            rs = [r for c, a in groups if seeded(c) and c.rsplit('-', 1)[0] == shape_size and a == arm
                  for r in groups[c, a] if r['seed'] not in HELD_OUT]
            if rs: rows.append(row(f'{shape_size} (seeds 0, 1)', '', arm, rs))
    faces = sorted({r['face'] for r in recs if not labels or r['search'] in labels})
    note = (f"faces per classifier and direction: {len(faces)} (indices {faces}); 'faces' column: jobs with shipped "
            "classifiers + jobs with trained ones, each job one face, one classifier, one direction; p@k and agree@k "
            "pooled (found / asked); edits: mean per job; cost share: edits / exhaustive edits"
            + (f"; every column over the jobs {', '.join(repr(lab) for lab in labels)} ran" if labels else '')
            + ("; 'reference': the DiffEx reference procedure (no verifier, adds each keyword)"
               if any(method_of(lab) == 'reference' for lab in labels) else ''))
    if args.markdown:
        print('| ' + ' | '.join(head) + ' |'); print('|' + '---|' * len(head))
        for r in rows: print('| ' + ' | '.join(r) + ' |')
        print(f'\n{note}')
    else:
        w = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
        print('  '.join(h.ljust(w[i]) for i, h in enumerate(head)))
        for r in rows: print('  '.join(c.ljust(w[i]) for i, c in enumerate(r)))
        print(note)


TARGETS = {'toy-100': 1 / 2, 'faces': 1 / 2, 'mined-350': 1 / 3, 'mined-1100': 1 / 3, 'deep-350': 1 / 5,
           'deep-1100': 1 / 8}   # issue 34: most share of exhaustive search's edits, per corpus (toy, toy-260: none)


def summary(args):
    """Print, per corpus (generator seeds pooled, the held-out seed included), the cost of the search `--search` at
    exhaustive search's precision: its edits against exhaustive search's (share, issue 34's target), its precision@k
    (shipped classifiers) and agreement@k (trained ones) against exhaustive search's, one row per arm, over the jobs
    the search ran."""
    recs = [r for r in load(args.out) if 'skipped' not in r and r.get('search') == 'exhaustive']
    recs += [r for r in load(args.source or args.out) if 'skipped' not in r and r.get('search') == args.search]
    job = lambda r: (r['corpus'], r['classifier'], r['direction'], r['face'], r['arm'])
    ran = {job(r) for r in recs if r['search'] == args.search}
    recs = [r for r in recs if job(r) in ran]
    family = lambda c: c.rsplit('-', 1)[0] if c.rsplit('-', 1)[-1][:1] == 's' and c != 'faces' else c
    def pooled(rs, kind):
        rs = [r for r in rs if r['kind'] == kind and r['hits'] is not None]
        k = sum(r['k'] for r in rs)
        return sum(r['hits'] for r in rs) / k if k else None
    f2 = lambda v: '–' if v is None else f'{v:.2f}'
    rows, fams = [], sorted({family(r['corpus']) for r in recs}, key=lambda f: min(r['nodes'] for r in recs
                                                                                   if family(r['corpus']) == f))
    for f in fams:
        for arm in ARMS:
            rs = [r for r in recs if family(r['corpus']) == f and r['arm'] == arm]
            if not rs: continue
            by = {s: [r for r in rs if r['search'] == s] for s in (args.search, 'exhaustive')}
            ed = [sum(r['edits'] for r in by[s]) / len(by[s]) for s in by]
            share, t = ed[0] / ed[1], TARGETS.get(f)
            nodes = sorted({r['nodes'] for r in rs})
            rows.append([f, f'{nodes[0]:,}' if len(nodes) == 1 else f'{nodes[0]:,}-{nodes[-1]:,}', arm,
                         f'{ed[0]:,.0f} / {ed[1]:,.0f}', f'{share:.3f}' + (f' (≤ {t:.3f})' if t else ''),
                         ' / '.join(f2(pooled(by[s], 'shipped')) for s in by),
                         ' / '.join(f2(pooled(by[s], 'trained')) for s in by), str(len(by[args.search]))])
    head = ['corpus', 'editable nodes', 'arm', 'edits diffex / exhaustive', 'cost share (target)',
            'precision@k diffex / exhaustive', 'agreement@k diffex / exhaustive', 'jobs']
    print('| ' + ' | '.join(head) + ' |'); print('|' + '---|' * len(head))
    for r in rows: print('| ' + ' | '.join(r) + ' |')
    print(f"\nsearch {args.search!r} against exhaustive search, every job it ran (generator seeds 0-2 pooled, the "
          "held-out seed 2 included); edits: mean per job")


DEFAULT_LABEL = 'optimistic-295958f'   # the records of today's default search in the oracle arms (optimistic.md: later
                                       # codes made the same edits there, on the jobs they were run on)


def targets(args):
    """Every target of issue 34 in one print: the oracle arms (`summary`; then `table`, one row per corpus, the held-out
    generator seed marked), the toy diffusion editor arm (`diffusion.py table`, the held-out seed marked) and the
    37-leaf toy corpus's faithfulness (`benchmarks/faithfulness/cpu/table.md`, written by its `run.py ... table`)."""
    print(f'## Exact and noisy oracle arms: {args.search} against exhaustive search\n')
    summary(args)
    print()
    table(argparse.Namespace(out=args.out, markdown=True, search=[args.search], source=args.source))
    print('\n## The toy diffusion editor arm\n')
    sys.path.insert(0, str(HERE))
    import diffusion
    diffusion.table(argparse.Namespace(out=[diffusion.RESULTS], trial=''))
    print('\n## The 37-leaf toy corpus: faithfulness with the toy diffusion editor\n')
    print((HERE.parent/'faithfulness'/'cpu'/'table.md').read_text())


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('run', help='run the jobs not yet in the results file')
    r.add_argument('--faces', type=int, default=2, help='faces per classifier and direction (default: 2)')
    r.add_argument('--corpora', nargs='*', default=None, help="corpus names (default: all; e.g. faces mined-350-s0)")
    r.add_argument('--classifiers', nargs='*', default=None, help=f'classifiers (default: all: {SHIPPED + TRAINED})')
    r.add_argument('--out', type=Path, default=RESULTS)
    r.add_argument('--search', default=None, help="run only explain with --set settings, recorded under this label "
                   "(exhaustive search is not run again); 'exhaustive': exhaustive search alone; 'reference...': the "
                   "DiffEx reference procedure with --set settings")
    r.add_argument('--set', nargs='*', default=None, metavar='KEY=VALUE', help='explain settings for --search, '
                   "e.g. optimistic=True beam=4")
    r.add_argument('--arms', nargs='*', default=None, choices=ARMS, help='arms (default: both)')
    sub.add_parser('train', help='train and keep the three rule classifiers (run does it when they are missing)')
    t = sub.add_parser('table', help='print the table of the recorded results')
    t.add_argument('--out', type=Path, default=RESULTS)
    t.add_argument('--markdown', action='store_true', help='a markdown table')
    t.add_argument('--search', nargs='*', default=None, metavar='LABEL',
                   help='also these labelled searches, beside the old default and exhaustive ones')
    t.add_argument('--from', dest='source', type=Path, default=None, help="the labelled searches' records (default: --out)")
    m = sub.add_parser('summary', help="the cost at exhaustive search's precision, per corpus and arm (markdown)")
    m.add_argument('--out', type=Path, default=RESULTS)
    m.add_argument('--search', required=True, metavar='LABEL', help='the labelled search to compare with exhaustive search')
    m.add_argument('--from', dest='source', type=Path, default=None, help="the labelled search's records (default: --out)")
    g = sub.add_parser('targets', help="every target of issue 34: the oracle arms, the diffusion arm, the 37-leaf corpus")
    g.add_argument('--out', type=Path, default=RESULTS)
    g.add_argument('--search', default=DEFAULT_LABEL, metavar='LABEL', help=f'the oracle arms\' label (default: {DEFAULT_LABEL})')
    g.add_argument('--from', dest='source', type=Path, default=None, help="the labelled search's records (default: --out)")
    a = p.parse_args(argv)
    if a.cmd == 'train': torch.set_num_threads(1); trained_classifiers()
    else: {'run': run, 'table': table, 'summary': summary, 'targets': targets}[a.cmd](a)


if __name__ == '__main__':
    sys.exit(main())
