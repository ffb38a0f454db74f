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
