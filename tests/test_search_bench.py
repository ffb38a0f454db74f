"""The search benchmark's record loader (benchmarks/search/run.py): a job recorded twice counts once, the later record."""
import importlib.util, json
from pathlib import Path

RUN = Path(__file__).parents[1]/'benchmarks'/'search'/'run.py'


def bench():
    spec = importlib.util.spec_from_file_location('search_bench', RUN)
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod


def rec(search, hits, face=0, **kw):
    return dict(corpus='faces', classifier='older', kind='shipped', direction='add', face=face, arm='exact',
                search=search, hits=hits, k=2, edits=10, **kw)


def test_later_record_of_a_job_wins(tmp_path):
    f = tmp_path/'results.jsonl'
    rs = [rec('exhaustive', 1), rec('exhaustive', 2), rec('exhaustive', 0, face=1), rec('diffex', 1),
          rec('diffex', 2, settings={'beam': 5}), rec('diffex', 0, settings={'beam': 5})]
    f.write_text(''.join(json.dumps(r) + '\n' for r in rs))
    got = {(r['search'], r['face'], json.dumps(r.get('settings'))): r['hits'] for r in bench().load(f)}
    assert got == {('exhaustive', 0, 'null'): 2, ('exhaustive', 1, 'null'): 0, ('diffex', 0, 'null'): 1,
                   ('diffex', 0, '{"beam": 5}'): 0}


def diffusion():
    spec = importlib.util.spec_from_file_location('diffusion_bench', RUN.parent/'diffusion.py')
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod


def test_held_out_seed_is_named_in_the_diffusion_table(tmp_path, capsys):
    d = diffusion()
    assert [d.held_out(c) for c in ('mined-350-s2', 'mined-350-s0', 'toy-260', 'deep-1100-s2')] == [True, False, False, True]
    job = lambda search, corpus, cost: dict(corpus=corpus, nodes=362, rule='older', face=0, direction='add', search=search,
                                            arm='diffusion', code='x', hits=1, k=1, unet_evals=cost, edits=cost // 40,
                                            unet_new=0, unknown_cost_entries=0, top=[], causes=['c'])
    f = tmp_path/'d.jsonl'
    f.write_text(''.join(json.dumps(job(s, c, n)) + '\n' for c in ('mined-350-s0', 'mined-350-s2')
                         for s, n in (('diffex', 2000), ('exhaustive', 10000))))
    d.table(type('A', (), dict(out=[f], trial=''))())
    rows = [r for r in capsys.readouterr().out.splitlines() if r.startswith('| mined')]
    assert [r.split(' | ')[0] for r in rows if '·' not in r] == ['| mined-350-s0', '| mined-350-s2 (held out)']
    assert all(' 0.200 ' in r for r in rows)           # the share: 2,000 / 10,000 UNet evaluations


def test_targets_prints_every_arm_from_the_records(capsys):
    bench().main(['targets'])
    out = capsys.readouterr().out
    heads = [line for line in out.splitlines() if line.startswith('## ')]
    assert [h.split(':')[0] for h in heads] == ['## Exact and noisy oracle arms', '## The toy diffusion editor arm',
                                                '## The 37-leaf toy corpus']
    assert '| mined-350-s2 (held out) | 362 | remove |' in out and '| deep-1100-s2 (held out) |' in out
