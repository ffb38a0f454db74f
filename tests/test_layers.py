"""The layer rule of DESIGN.md: a module imports only modules that come before it, so there is no import circle.

The order is the notebooks' order: `nbs/*.ipynb` sorted by name, each with its `#| default_exp` module (a notebook that
exports nothing adds no module). Every `import` and `from ... import` of a diffex module in `diffex/*.py` counts, at the
top of a module or inside a function (a lazy import is still an edge of the import graph). `toyworld`, `baselines`,
`bench` and `cli` sit on top of everything and may import any module; `import diffex` (the package, for its version)
is not a module of the order.
"""
import ast, json, re
from pathlib import Path
import pytest

ROOT = Path(__file__).parents[1]
ANY = {'toyworld', 'baselines', 'bench', 'cli'}          # may use any module (DESIGN.md)
# Known edges against the order, in chapters being changed by other work (03_editing: the compatibility name
# `diffex.editing.LeditsEditor` reaches `ledits`; 00a_tiny: its
# test editors need `editing`, so that notebook belongs after 03_editing; 02_classifiers: the old names
# `diffex.classifiers.Verifier`, `Observation`, `CLIPVerifier` are read lazily from `verifiers`, where they moved). They are listed
# so that this test guards every other module now; a listed edge that disappears fails the test, so the list only
# shrinks: delete the entry then.
KNOWN = {('editing', 'ledits'), ('tiny', 'editing'), ('classifiers', 'verifiers')}

def order() -> list[str]:
    "The exported modules in notebook order."
    out = []
    for nb in sorted((ROOT/'nbs').glob('*.ipynb')):
        cells = json.loads(nb.read_text())['cells']
        for c in cells:
            m = re.search(r'^#\|\s*default_exp\s+(\S+)', ''.join(c['source']), flags=re.M)
            if m and c['cell_type'] == 'code': out.append(m[1]); break
    return out

def imports(path: Path) -> list[tuple[str, int]]:
    "(diffex module, line) for every import of a diffex module in the file `path`, lazy ones included."
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [(a.name.split('.')[1], node.lineno) for a in node.names if a.name.startswith('diffex.')]
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ''
            if node.level == 1 and mod: out.append((mod.split('.')[0], node.lineno))
            elif node.level == 1 or mod == 'diffex':     # from . import x / from diffex import x: x may be a module
                out += [(a.name, node.lineno) for a in node.names if (ROOT/'diffex'/f'{a.name}.py').exists()]
            elif mod.startswith('diffex.'): out.append((mod.split('.')[1], node.lineno))
    return out

def violations(order_: list[str]) -> list[str]:
    rank = {m: i for i, m in enumerate(order_)}
    bad = []
    for m in order_:
        if m in ANY: continue
        for dep, line in imports(ROOT/'diffex'/f'{m}.py'):
            if dep == m or dep not in rank: continue
            if rank[dep] > rank[m]: bad.append(f'diffex/{m}.py:{line} imports {dep}, which comes after it')
    return bad

def test_every_module_is_in_the_order():
    mods = {p.stem for p in (ROOT/'diffex').glob('*.py') if not p.stem.startswith('_')}
    assert mods <= set(order()), f'modules without a notebook: {sorted(mods - set(order()))}'

def test_layers():
    bad = violations(order())
    edge = lambda v: (v.split('/')[1].split('.py')[0], v.split(' imports ')[1].split(',')[0])
    new = [v for v in bad if edge(v) not in KNOWN]
    assert not new, 'imports against the layer order (see DESIGN.md):\n' + '\n'.join(new)
    gone = KNOWN - {edge(v) for v in bad}
    assert not gone, f'{sorted(gone)} no longer import against the order: delete them from KNOWN'

def test_the_check_sees_lazy_and_relative_imports(tmp_path, monkeypatch):
    "The check is not blind: a lazy import inside a function, of a later module, is a violation."
    (tmp_path/'diffex').mkdir(); (tmp_path/'nbs').mkdir()
    for i, m in enumerate(['early', 'late']):
        (tmp_path/'nbs'/f'0{i}_{m}.ipynb').write_text(json.dumps({'cells': [
            {'cell_type': 'code', 'source': [f'#| default_exp {m}']}]}))
    (tmp_path/'diffex'/'early.py').write_text('def f():\n    from .late import g\n    from diffex import late\n')
    (tmp_path/'diffex'/'late.py').write_text('from .early import f\nimport diffex.early\n')
    monkeypatch.setattr(__import__(__name__), 'ROOT', tmp_path)
    assert order() == ['early', 'late']
    assert violations(order()) == ['diffex/early.py:2 imports late, which comes after it',
                                   'diffex/early.py:3 imports late, which comes after it']
