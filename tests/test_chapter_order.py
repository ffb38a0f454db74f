"""The chapters read top-down: a reader of an API page meets the public function before the tests (issue 33), and no
export cell is longer than one idea (issue 30: at most 60 lines).

For every top-level chapter in nbs/ (a notebook with `#| default_exp`):

- no export cell has more than `MAX_EXPORT_LINES` lines;
- the first public name the chapter exports (a `def` or `class` not starting with '_' in an export cell) comes before
  the first visible cell of test scaffolding (a code cell that is neither hidden nor exported and whose statements are
  mostly `test_eq`/`test_fail`/`test_close`/... calls or `assert`s).

Chapters still being fixed are named in an allow-list each. A chapter that breaks a rule and is not listed fails; a
listed chapter that now keeps the rule fails too, with a message saying to take it off the list, so that a fixed chapter
cannot regress unnoticed. Only JSON is read: nothing is executed.
"""
import ast, json, re
from pathlib import Path
import pytest

NBS = Path(__file__).resolve().parents[1]/'nbs'
MAX_EXPORT_LINES = 60
TEST_CALLS = {'test_eq', 'test_ne', 'test_fail', 'test_close', 'test_is', 'test_eq_type', 'test_stdout', 'test_warns',
              'test_shuffled', 'test_fig_exists'}
HIDDEN = {'hide', 'include: false', 'echo: false'}

# chapters with an export cell over MAX_EXPORT_LINES lines, being split by their owners (issue 30)
LONG_CELLS_ALLOWED = {'08a_toytrain', '08b_groundtruth', '08c_toylatent'}
# chapters whose page shows test scaffolding before the first public definition, being reordered by their owners (issue 33)
TESTS_FIRST_ALLOWED = set()


def _src(cell) -> str: return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']

def _directives(src: str) -> set:
    "The `#|` directives at the top of a cell, normalised ('#|  hide' -> 'hide')."
    out = set()
    for line in src.splitlines():
        if not line.startswith('#|'): break
        out.add(' '.join(line[2:].split()))
    return out

def _is_export(cell) -> bool:
    return cell['cell_type'] == 'code' and any(re.fullmatch(r'exports?|exporti', d.split()[0])
                                                for d in _directives(_src(cell)) if d)

def _is_hidden(cell) -> bool: return bool(_directives(_src(cell)) & HIDDEN)

def _public_defs(src: str) -> list[str]:
    "The public functions and classes a cell defines at its top level."
    try: tree = ast.parse(src)
    except SyntaxError: return []
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and not n.name.startswith('_')]

def _is_test_stmt(st) -> bool:
    if isinstance(st, ast.Assert): return True
    return (isinstance(st, ast.Expr) and isinstance(st.value, ast.Call) and isinstance(st.value.func, ast.Name)
            and st.value.func.id in TEST_CALLS)

def is_scaffolding(cell) -> bool:
    "A visible, non-export code cell whose top-level statements are mostly test calls or asserts."
    if cell['cell_type'] != 'code' or _is_export(cell) or _is_hidden(cell): return False
    src = _src(cell)
    try: body = ast.parse(src).body
    except SyntaxError:      # cell magics and the like: judge by lines
        lines = [ln.strip() for ln in src.splitlines() if ln.strip() and not ln.lstrip().startswith('#')]
        return bool(lines) and sum(ln.startswith(tuple(TEST_CALLS)) for ln in lines) * 2 > len(lines)
    return bool(body) and sum(map(_is_test_stmt, body)) * 2 > len(body)

def chapters() -> dict:
    "name -> cells of every top-level chapter (a notebook with `#| default_exp`)."
    out = {}
    for p in sorted(NBS.glob('*.ipynb')):
        if p.name.startswith(('_', '.')): continue
        cells = json.loads(p.read_text(encoding='utf-8'))['cells']
        if any(c['cell_type'] == 'code' and re.search(r'^#\|\s*default_exp\s', _src(c), re.M) for c in cells):
            out[p.stem] = cells
    return out

def long_cells(cells) -> list[tuple[int, int]]:
    "(cell index, lines) of each export cell over `MAX_EXPORT_LINES` lines."
    return [(i, n) for i, c in enumerate(cells) if _is_export(c) and (n := len(_src(c).splitlines())) > MAX_EXPORT_LINES]

def shows_tests_first(cells) -> str|None:
    "Why the page shows tests before the first public definition, or None when it does not."
    first_def = next(((i, d[0]) for i, c in enumerate(cells) if _is_export(c) and (d := _public_defs(_src(c)))), None)
    first_test = next((i for i, c in enumerate(cells) if is_scaffolding(c)), None)
    if first_test is None or (first_def is not None and first_def[0] < first_test): return None
    where = f'the first public definition, {first_def[1]}, is in cell {first_def[0]}' if first_def else 'it exports no public def or class'
    return f'cell {first_test} is visible test scaffolding ({_src(cells[first_test]).splitlines()[0][:60]!r}); {where}'

CHAPTERS = chapters()

def test_there_are_chapters(): assert len(CHAPTERS) >= 10, sorted(CHAPTERS)

@pytest.mark.parametrize('name', sorted(CHAPTERS))
def test_export_cells_short(name):
    if name in LONG_CELLS_ALLOWED: pytest.skip('on the allow-list LONG_CELLS_ALLOWED (being split)')
    bad = long_cells(CHAPTERS[name])
    assert not bad, (f'nbs/{name}.ipynb: export cell(s) over {MAX_EXPORT_LINES} lines (cell index, lines): {bad}; '
                     'split them by idea, one definition or one concern per cell')

@pytest.mark.parametrize('name', sorted(CHAPTERS))
def test_public_api_before_tests(name):
    if name in TESTS_FIRST_ALLOWED: pytest.skip('on the allow-list TESTS_FIRST_ALLOWED (being reordered)')
    why = shows_tests_first(CHAPTERS[name])
    assert why is None, (f'nbs/{name}.ipynb shows tests before its public API: {why}. Put the public function first and '
                         'mark test-only cells `#| hide` (keep a short example visible after a definition)')

def test_allow_lists_are_current():
    "A chapter on an allow-list that keeps the rule now must come off it, so that it cannot regress unnoticed."
    for allowed, check, what in ((LONG_CELLS_ALLOWED, long_cells, 'LONG_CELLS_ALLOWED'),
                                 (TESTS_FIRST_ALLOWED, shows_tests_first, 'TESTS_FIRST_ALLOWED')):
        unknown = sorted(allowed - set(CHAPTERS))
        assert not unknown, f'{what} names chapters that do not exist: {unknown}'
        fixed = sorted(n for n in allowed if not check(CHAPTERS[n]))
        assert not fixed, f'{fixed} now keep the rule: remove them from {what} in {Path(__file__).name}'

# the checks themselves, on cells written here
def _cell(src, kind='code'): return {'cell_type': kind, 'source': src.splitlines(keepends=True)}

def test_checks_on_literals():
    exp = _cell('#| export\ndef f(): pass')
    helper = _cell('#| export\ndef _g(): pass')
    tests = _cell('test_eq(f(), None)\ntest_fail(f, contains="x")\nx = 1')
    assert is_scaffolding(tests) and not is_scaffolding(_cell('#| hide\n' + _src(tests)))
    assert not is_scaffolding(_cell('x = f()\ny = 2\ntest_eq(x, None)'))          # an example that ends in one check
    assert not is_scaffolding(_cell('test_eq(1, 1)', 'markdown'))
    assert shows_tests_first([helper, exp, tests]) is None
    assert 'cell 1 is visible test scaffolding' in shows_tests_first([helper, tests, exp])
    assert 'exports no public' in shows_tests_first([helper, tests])
    assert shows_tests_first([exp, _cell('#|  hide\ntest_eq(1, 1)')]) is None
    assert long_cells([_cell('#| export\n' + 'x = 1\n' * 60), _cell('x = 1\n' * 99)]) == [(0, 61)]
    assert long_cells([_cell('#| export\n' + 'x = 1\n' * 59)]) == []
