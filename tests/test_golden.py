"""Golden files: the explanations of a fixed set of small runs, pinned, so that moving code cannot change a result.

Each run in `RUNS` explains one toy face with a fixed editor, classifier, verifier and settings. The test recomputes
every run and compares it with `tests/golden/<run>/`:

- `digest.json`: what the run found (every effect's seeds, scores, verifier reads; the levels; the rankings; the
  significant semantics; the cost in edits and UNet evaluations) and the content keys of every inversion, null edit and
  edit it made (`keys`). Numbers agree to `RTOL`/`ATOL`, and to `DIFFUSION_ATOL` in the runs of the toy diffusion model
  (float32 through a denoising chain: an AVX-512/AMX Xeon and the machine that made the files differ by up to 2.2e-3 in
  a score); paths, seeds, verifier reads, counts and keys agree exactly. Rankings agree in order, except that two paths
  may trade places when the numbers they are ranked by (`ranking_scores`, as this run computes them) lie within the
  run's tolerance of each other: a tie on one CPU is not a regression on another.
- `saved/`: the run saved with `Explanation.save` by the diffex that made the golden files. The test loads it with
  today's `Explanation.load` and checks that it reads back to the same digest: old explanation files keep loading.
- `format1/oracle_probe/`: `oracle_probe` saved in format 1 (settings as a flat `params` dict, before `ExplainConfig`),
  never regenerated: it must load into the config that the run records today, and `more_seeds` must work from it.

Content keys mix in the diffex version; the test fixes it (`KEY_VERSION`), so a release does not change the keys but
any change to what a key is made of does.

Regenerate deliberately, after a change that is meant to change results, and say why in the commit message:

    OMP_NUM_THREADS=1 .venv/bin/python tests/test_golden.py --regenerate          # every run
    OMP_NUM_THREADS=1 .venv/bin/python tests/test_golden.py --regenerate oracle_iso # one run

Running the file without `--regenerate` prints what differs from the golden files, run by run.
"""
import json, math, shutil, sys, tempfile
from dataclasses import asdict
from pathlib import Path
import pytest

GOLDEN = Path(__file__).parent/'golden'
KEY_VERSION = 'golden'       # the diffex version mixed into content keys while the runs are made
RTOL, ATOL = 1e-5, 1e-5      # scores: relative and absolute tolerance
DIFFUSION_ATOL = 1e-2        # scores of runs with the toy diffusion model (`DIFFUSION_RUNS`): absolute tolerance
TIE = 1e-4                   # ranking scores this close are ties in the exact runs (the side-effect fit's ridge moves
                             # two equal effects apart by about 2e-6)
RANKED = ('ranking', 'ranking_all', 'significant', 'not_edited')   # digest lists in ranking order

def _world():
    from diffex import toyworld
    if not hasattr(_world, 'w'): _world.w = toyworld.load()
    return _world.w

def _face(i: int):
    from diffex import toyworld
    return toyworld.draw(toyworld.sample_face(i))

def _oracle(cache): return _world().oracle(cache_dir=cache)

def _toy_diffusion(cache):
    "The toy LEDITS++ editor, cut to 8 inversion steps so that the golden runs stay fast."
    return _world().editor(cache_dir=cache, num_inversion_steps=8)

# name -> (face, editor, classifier, settings of `explain`)
RUNS = {
    # the exact editor with the probe as verifier: retries of failed screening edits, adaptive seeds
    'oracle_probe': (3, _oracle, 'older', dict(seeds=3, verifier=True, isolate=3)),
    # both directions, isolation off, beam 2, parents screened with 2 seeds
    'oracle_both_noiso': (7, _oracle, 'older', dict(seeds=3, directions=('add', 'remove'), verifier=True, isolate=0,
                                                    beam=2, screen_parents=2, keep_images=False)),
    # no verifier, an exact classifier, ranked by signed effect, every level's beam re-scored
    'oracle_rule_up': (11, _oracle, 'rule:older', dict(seeds=3, rank='up', rescore='kept', keep_images=False)),
    # the toy diffusion editor: screening with half its inversion steps, a verifier, a budget it runs into
    'toy_screen': (3, _toy_diffusion, 'older', dict(seeds=2, verifier=True, screen_fidelity=0.5, budget=24)),
    # the toy diffusion editor, one level: side effects isolated, then the adjusted top completed with every seed;
    # screening at full fidelity (the default before 127c67c; toy_screen runs today's 0.5)
    'toy_isolate': (1, _toy_diffusion, 'older', dict(seeds=3, verifier=True, depth=1, screen_fidelity=1.0)),
}

DIFFUSION_RUNS = {n for n, r in RUNS.items() if r[1] is _toy_diffusion}

def _classifier(name: str):
    from diffex import toyworld
    return toyworld.RuleClassifier(name[5:]) if name.startswith('rule:') else _world().classifier(name)

def _round(x):
    "Numbers as floats (NaN as None), recursively: what JSON holds."
    if isinstance(x, dict): return {str(k): _round(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)): return [_round(v) for v in x]
    if hasattr(x, 'item') and not isinstance(x, (str, bytes)): x = x.item()
    if isinstance(x, float) and not math.isfinite(x): return None
    return x

def ranking_scores(ex) -> dict:
    "path -> the number `Explanation.ranking` sorts it by: its adjusted importance where side effects are known."
    from diffex.effects import importance
    from diffex.faithful import adjusted_importance
    asked = set(ex.config.directions)
    if ex.adjusted: return {p: adjusted_importance({d: a for d, a in by.items() if d in asked}, ex.rank)
                            for p, by in sorted(ex.assessed.items())}
    return {p: importance({d: e for d, e in by.items() if d in asked}, ex.rank) for p, by in sorted(ex.effects.items())}

def digest(ex) -> dict:
    "What a run found, as JSON-able data: the effects, levels, rankings, significance and cost (no timings)."
    eff = {p: {d: dict(prompt=e.prompt, seeds=e.seeds, base=e.base, edited=e.edited, verified=e.verified,
                       changes=e.changes, own=[list(o) for o in e.own] if e.own is not None else None)
               for d, e in sorted(effs.items())} for p, effs in sorted(ex.effects.items())}
    levels = [{k: v for k, v in asdict(lv).items() if k != 'seconds'} for lv in ex.levels]
    cost = {k: v for k, v in ex.cost.items() if k != 'seconds'}
    return _round(dict(target=ex.target, effects=eff, levels=levels, ranking=ex.ranking(),
                       ranking_all=ex.ranking(specific=False), ranking_scores=ranking_scores(ex),
                       significant=ex.significant(),
                       not_edited=ex.not_edited(), cost=cost, models=ex.models,
                       search_config=asdict(ex.search_config) if ex.search_config else None))

def run(name: str, cache: Path, **over):
    """Run `name` of `RUNS` with an edit cache in `cache` (`over`: settings changed from the run's); returns
    (explanation, the content keys it made, sorted)."""
    import diffex
    from diffex.explain import explain
    face, make_editor, clf, kw = RUNS[name]
    kw = dict(kw, **over)
    if kw.pop('verifier', False): kw['verifier'] = _world().verifier()
    old, diffex.__version__ = diffex.__version__, KEY_VERSION
    try: ex = explain(_face(face), _classifier(clf), make_editor(cache), _world().corpus, clf.split(':')[-1],
                      progress=False, **kw)
    finally: diffex.__version__ = old
    return ex, sorted(p.stem for p in Path(cache).glob('??/*.bin'))

def regenerate(names=None):
    for name in names or RUNS:
        with tempfile.TemporaryDirectory() as d:
            ex, keys = run(name, Path(d))
        out = GOLDEN/name
        shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)
        (out/'digest.json').write_text(json.dumps(dict(digest(ex), keys=keys), indent=1, allow_nan=False) + '\n')
        ex.save(out/'saved')
        print(f'{name}: {ex.cost["edits"]} edits, {len(keys)} keys -> {out}')

def ranked_differences(want: list, got: list, scores: dict, tie: float, where: str) -> list[str]:
    "Where ranking `got` differs from `want`, except places traded by paths whose `scores` lie within `tie`."
    if sorted(want) != sorted(got): return [f'{where}: {got!r:.200} vs golden {want!r:.200}']
    s = lambda p: scores.get(p) if scores.get(p) is not None else -math.inf
    return [f'{where}[{i}]: {b!r} vs golden {a!r}' for i, (a, b) in enumerate(zip(want, got))
            if a != b and not (math.isfinite(s(a)) and math.isfinite(s(b)) and abs(s(a) - s(b)) <= tie)]

def differences(want, got, where='', atol: float = ATOL, tie: float = TIE, scores: dict|None = None) -> list[str]:
    """Where `got` differs from `want`: numbers beyond the tolerance (`atol`, and `RTOL`), rankings (`RANKED`) beyond
    ties (`tie`, judged on `got`'s `ranking_scores`), anything else at all."""
    if isinstance(want, dict) and isinstance(got, dict):
        out = [f'{where}/{k}: missing' for k in want if k not in got]
        out += [f'{where}/{k}: unexpected' for k in got if k not in want]
        scores = got.get('ranking_scores', scores) if not where else scores
        return out + [x for k in want if k in got
                      for x in (ranked_differences(want[k], got[k], scores or {}, tie, f'{where}/{k}')
                                if k in RANKED and not where and isinstance(want[k], list)
                                else differences(want[k], got[k], f'{where}/{k}', atol, tie, scores))]
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got): return [f'{where}: {len(got)} items, golden {len(want)}: {got!r:.200} vs {want!r:.200}']
        return [x for i, (a, b) in enumerate(zip(want, got)) for x in differences(a, b, f'{where}[{i}]', atol, tie, scores)]
    num = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
    if num(want) and num(got) and isinstance(want, float) | isinstance(got, float):
        return [] if math.isclose(want, got, rel_tol=RTOL, abs_tol=atol) else [f'{where}: {got!r} vs golden {want!r}']
    return [] if want == got and type(want) is type(got) else [f'{where}: {got!r} vs golden {want!r}']

def tolerances(name: str) -> dict:
    "The `differences` tolerances of run `name`: wider for the runs of the toy diffusion model."
    return dict(atol=DIFFUSION_ATOL, tie=DIFFUSION_ATOL) if name in DIFFUSION_RUNS else {}

@pytest.mark.parametrize('name', list(RUNS))
def test_golden(name, tmp_path):
    "The run reproduces its golden digest and keys, and its golden saved files load back to the same digest."
    from diffex.explain import Explanation
    want = json.loads((GOLDEN/name/'digest.json').read_text())
    ex, keys = run(name, tmp_path)
    diff = differences(want, dict(digest(ex), keys=keys), **tolerances(name))
    assert not diff, f'{name} differs from {GOLDEN/name} ({len(diff)}):\n' + '\n'.join(diff[:30])
    old = Explanation.load(GOLDEN/name/'saved')
    diff = differences({k: v for k, v in want.items() if k != 'keys'}, digest(old), **tolerances(name))
    assert not diff, f'{GOLDEN/name/"saved"} loads differently ({len(diff)}):\n' + '\n'.join(diff[:30])

def read_as_today(effects: dict) -> dict:
    """`effects` of a file made before a5dd851 as today's toy probe reads them: an edit that asked for what the null
    edit already was (adding the full beard a face wears) got a verdict (True) and owned its family; today it gets no
    verdict and owns nothing. Such an edit is one the verifier passed although none of its own attributes changed the
    asked way (the probe's verdict read the edit alone, its changes compare it with the null edit)."""
    for by in effects.values():
        for e in by.values():
            if e.changes is None: continue
            sign = 1 if e.direction == 'add' else -1
            for i, (v, c, o) in enumerate(zip(e.verified, e.changes, e.own)):
                if v is True and o and c is not None and not any((c.get(k, 0) * sign) > 0 for k in o):
                    e.verified[i], e.own[i] = None, ()
    return effects

def test_read_as_today():
    "The rule on literals: a passed 'add' whose own attributes did not appear asked for nothing; one that drew them did."
    from diffex.effects import Effect
    own = ('facial hair/beard/goatee', 'facial hair/beard/full beard')
    e = Effect('b', 'beard', 'add', [0, 1], [0.0, 0.0], [1.0, 1.0], [True, True],
               changes=[{}, {'facial hair/beard/goatee': 1.0}], own=[own, own])
    read_as_today({'b': {'add': e}})
    assert (e.verified, e.own) == ([None, True], [(), own])

def test_format1_file_loads_into_todays_config(tmp_path):
    "A format-1 file (flat `params`) reads into the `ExplainConfig` and `RunInfo` that today's run records."
    from diffex.explain import Explanation
    old = Explanation.load(GOLDEN/'format1'/'oracle_probe')
    read_as_today(old.effects)                                         # made before the probe's rule of a5dd851
    ex, _ = run('oracle_probe', tmp_path, fixed_beam=True, screen_fidelity=1.0)  # format 1 predates the optimistic
                                                                    # search and screening at half fidelity by default
    assert (old.config, old.info, old.method) == (ex.config, ex.info, ex.method)
    diff = differences(digest(ex), digest(old))
    assert not diff, '\n'.join(diff[:30])

def test_more_seeds_on_a_reloaded_explanation(tmp_path):
    "`more_seeds` works from explanations read back from disk, of format 1 and of today's format, through their config."
    import copy
    from diffex.explain import Explanation
    from diffex.widgets import more_seeds
    ex, _ = run('oracle_probe', tmp_path/'cache')
    clf, face = _classifier('older'), _face(RUNS['oracle_probe'][0])     # the oracle edits faces drawn here
    path = 'facial hair/beard/goatee'
    for saved in (GOLDEN/'format1'/'oracle_probe', ex.save(tmp_path/'now')):
        back = Explanation.load(saved)
        assert back.image.tobytes() == face.tobytes()
        r = more_seeds(back, path, clf, _oracle(None), n=2, verifier=_world().verifier())
        assert r['add'].seeds == [0, 1, 2, 3, 4] and back.effects[path] is r, r
        fresh = more_seeds(copy.deepcopy(ex), path, clf, _oracle(None), n=2, verifier=_world().verifier())
        assert fresh['add'].edited == r['add'].edited and fresh['add'].verified == r['add'].verified

def test_differences_catches_changes():
    "The comparison is not blind: a score beyond the tolerance, a reordered ranking and a new key are differences."
    a = dict(x=[1.0, 2.0], r=['a', 'b'], keys=['k1'])
    assert differences(a, dict(x=[1.0, 2.0 + 1e-7], r=['a', 'b'], keys=['k1'])) == []
    assert differences(a, dict(x=[1.0, 2.1], r=['a', 'b'], keys=['k1'])) == ['/x[1]: 2.1 vs golden 2.0']
    assert differences(a, dict(x=[1.0, 2.0], r=['b', 'a'], keys=['k1'])) != []
    assert differences(a, dict(x=[1.0, 2.0], r=['a', 'b'], keys=['k1', 'k2'])) != []
    assert differences(dict(v=True), dict(v=1)) != []
    assert differences(dict(x=[8.0]), dict(x=[8.002]), atol=DIFFUSION_ATOL) == []
    assert differences(dict(x=[8.0]), dict(x=[8.02]), atol=DIFFUSION_ATOL) == ['/x[0]: 8.02 vs golden 8.0']

def test_rankings_allow_only_ties_to_trade_places():
    "Two paths ranked by numbers within the tie tolerance may swap; any other reordering, or another set, is a difference."
    want = dict(ranking=['a', 'b', 'c'])
    tied = dict(ranking=['b', 'a', 'c'], ranking_scores=dict(a=2.0, b=2.0 + 5e-6, c=1.0))
    assert differences(want, tied) == ['/ranking_scores: unexpected']          # the golden has no scores: only that
    assert differences(dict(want, ranking_scores=tied['ranking_scores']), tied) == []
    apart = dict(ranking=['b', 'a', 'c'], ranking_scores=dict(a=2.0, b=2.1, c=1.0))
    assert differences(dict(want, ranking_scores=apart['ranking_scores']), apart) == [
        "/ranking[0]: 'b' vs golden 'a'", "/ranking[1]: 'a' vs golden 'b'"]
    other = dict(ranking=['a', 'b', 'd'], ranking_scores=dict(a=2.0, b=2.0, d=1.0))
    assert differences(dict(want, ranking_scores=other['ranking_scores']), other) != []

if __name__ == '__main__':
    if '--regenerate' in sys.argv: regenerate([a for a in sys.argv[1:] if not a.startswith('--')])
    else:
        for name in RUNS:
            with tempfile.TemporaryDirectory() as d: ex, keys = run(name, Path(d))
            want = json.loads((GOLDEN/name/'digest.json').read_text())
            diff = differences(want, dict(digest(ex), keys=keys), **tolerances(name))
            print(f'{name}: ' + ('same' if not diff else f'{len(diff)} differences\n  ' + '\n  '.join(diff[:20])))
