"""The docs build's own rules (tools/docs.py), on literals: which cells are tests, what is folded or left out, the
signature comments, DataFrame headers, README links, and the cells that mix imports with other code."""
import importlib.util, json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location('diffex_docs_build', ROOT/'tools'/'docs.py')
docs = importlib.util.module_from_spec(_spec); _spec.loader.exec_module(docs)

def _nb(path: Path, *cells) -> Path:
    "A notebook of code cells (a str) and markdown cells (('md', str)), each with one output if given as (src, output)."
    out = []
    for c in cells:
        if isinstance(c, tuple) and c[0] == 'md': out.append({'cell_type': 'markdown', 'metadata': {}, 'source': c[1]}); continue
        src, outputs = (c if isinstance(c, tuple) else (c, []))
        out.append({'cell_type': 'code', 'metadata': {}, 'execution_count': None, 'outputs': outputs, 'source': src})
    path.write_text(json.dumps({'cells': out, 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}))
    return path

def test_what_is_test_code():
    assert docs._is_test_imports(docs._parse('from fastcore.test import test_eq, test_fail\nimport os'))
    assert not docs._is_test_imports(docs._parse('import os\nfrom pathlib import Path'))
    assert not docs._is_test_imports(docs._parse('from fastcore.test import test_eq\nx = 1'))
    assert docs._runs_tests(docs._parse('x = f(1)\ntest_eq(x, 2)'))
    assert docs._runs_tests(docs._parse('with open(p) as f:\n    assert f.read()'))
    assert docs._runs_tests(docs._parse('%matplotlib inline\ntest_close(a, b)'))    # magic lines are left out, the rest read
    assert not docs._runs_tests(docs._parse('ex = explain(image)\nex.top(3)'))
    assert not docs._runs_tests(docs._parse('contest_eq = 1; obj.test_eq(1)'))      # only test_* names called as such
    assert docs._parse('!pip install x\n%%bash') is not None and docs._parse('def (') is None

def test_tuck_tests(tmp_path):
    out = [{'output_type': 'stream', 'name': 'stdout', 'text': '3\n'}]
    nb = _nb(tmp_path/'c.ipynb', 'from fastcore.test import test_eq\nimport os', ('md', 'Prose.'),
             '#| echo: false\n#| output: asis\nshow_doc(f)', ('x = f(1)\nprint(x)\ntest_eq(x, 3)', out), 'y = f(2)')
    assert docs._tuck_tests(nb) == (1, 1)
    cells = json.loads(nb.read_text())['cells']
    assert cells[0]['source'].startswith('#| include: false\nfrom fastcore.test')
    assert cells[2]['source'].startswith('#| echo: false')                                       # show_doc untouched
    assert cells[3]['source'].startswith('#| code-fold: true\n#| code-summary: "Tests"\nx = f(1)')
    assert cells[3]['outputs'] == out                                                         # its output still shows
    assert cells[4]['source'] == 'y = f(2)'

def test_signature_comments_and_headers(tmp_path):
    assert docs._plain_comment_line("    search:X=None, # None: `SearchConfig(**settings)`") == \
        "    search:X=None, # None: SearchConfig(**settings)"
    assert docs._plain_comment_line("    s:str='`x`',") == "    s:str='`x`',"           # no comment: as it was
    html = '<table border="1" class="dataframe"><thead><tr><th>ci_low</th><th>n</th></tr></thead><tbody><tr><td>a_b</td></tr></tbody></table>'
    assert docs._readable_frame(html) == html.replace('ci_low', 'ci_<wbr>low')              # headers only
    md = '### f\n\n```python\ndef f(\n    a:int, # see `g`\n)->int:\n```\n\n*Uses `g`.*'
    nb = _nb(tmp_path/'s.ipynb', ('show_doc(f)', [{'output_type': 'display_data', 'metadata': {},
                                                   'data': {'text/markdown': md, 'text/html': html}}]))
    docs._polish(nb)
    data = json.loads(nb.read_text())['cells'][0]['outputs'][0]['data']
    assert ''.join(data['text/markdown']) == md.replace('# see `g`', '# see g')             # the prose keeps its code
    assert 'ci_<wbr>low' in ''.join(data['text/html'])

def test_readme_links(tmp_path):
    (tmp_path/'nbs'/'images').mkdir(parents=True); (tmp_path/'nbs'/'images'/'e.png').write_bytes(b'')
    (tmp_path/'LICENSE').write_text('')
    pages = {'inputs': 'inputs.ipynb', 'groundtruth': '08b_groundtruth.ipynb', 'tutorials/why_older': 'tutorials/01_why_older.ipynb'}
    md = ('[a](inputs.llms.md) [b](groundtruth.llms.md#faithfulness) [t](tutorials/why_older.llms.md) '
          '[x](unknown.llms.md) [w](https://x.org/inputs.llms.md) ![p](images/e.png) [l](LICENSE) [m](missing.png)')
    assert docs._readme_links(md, pages, 'nbs', tmp_path) == (
        '[a](nbs/inputs.ipynb) [b](nbs/08b_groundtruth.ipynb#faithfulness) [t](nbs/tutorials/01_why_older.ipynb) '
        '[x](unknown.llms.md) [w](https://x.org/inputs.llms.md) ![p](nbs/images/e.png) [l](LICENSE) [m](missing.png)')

def test_mixed_import_cells(tmp_path):
    nbs = tmp_path/'nbs'; (nbs/'sub').mkdir(parents=True); (nbs/'_skip').mkdir()
    _nb(nbs/'a.ipynb', 'import os\nfrom pathlib import Path', "import os\nos.environ['X'] = '1'", '#| export\nimport re\nR = 1',
        '#| exec_doc\nx = 1', 'for i in range(2):\n    import json\n    print(i)', '#| eval: false\nimport a; a.b()')
    _nb(nbs/'sub'/'b.ipynb', 'from x import y; y()')
    _nb(nbs/'_skip'/'c.ipynb', 'import os; os.getcwd()')
    assert [m.split(' has ')[0] for m in docs._mixed_import_cells(nbs)] == [
        'nbs/a.ipynb: cell 1', 'nbs/a.ipynb: cell 4', 'nbs/sub/b.ipynb: cell 0']
    assert "('import os')" in docs._mixed_import_cells(nbs)[0] and 'cell of their own' in docs._mixed_import_cells(nbs)[0]

def test_repository_has_no_mixed_import_cells_in_docs_pages_it_owns():
    "The landing page, tutorials, training notebooks and performance page put imports in cells of their own."
    own = [m for m in docs._mixed_import_cells(ROOT/'nbs')
           if m.startswith(('nbs/index', 'nbs/tutorials/', 'nbs/train/', 'nbs/performance', 'nbs/differences'))]
    assert own == [], '\n'.join(own)

def test_smalldocs_problems():
    out = ''.join(f'warning: p{i}.ipynb: broken link /04_search.ipynb\n' for i in range(5)) + \
          'warning: a.ipynb: broken link b.html\nwarning: format.html.foo is ignored\n\n'
    assert docs._smalldocs_problems(out) == [
        'smalldocs: broken link /04_search.ipynb on 5 pages (in the sidebar or navbar of _quarto.yml? a notebook listed '
        'there that does not exist)', 'smalldocs: a.ipynb: broken link b.html', 'smalldocs: format.html.foo is ignored']
    assert docs._smalldocs_problems('') == []

def test_readable_frame():
    pd = __import__('pandas')
    df = pd.DataFrame({'path': ['a', 'b', 'c'], 'se': [0.5, float('nan'), 1.0]})
    got = docs._readable_frame(df.iloc[[0, 2]].to_html() + df.iloc[[1]].to_html())
    assert '<th>0</th>' not in got and '<th>2</th>' not in got and '<th>1</th>' not in got and '<th></th>' not in got
    assert got.count('<td>a</td>') == 1 and '<td>0.5</td>' in got and '<td></td>' in got and 'NaN' not in got
    plain = df.to_html(index=False)
    assert docs._readable_frame(plain) == plain.replace('<td>NaN</td>', '<td></td>')    # no index: only NaN blank
    for kept in (df.set_index('path'), df.rename_axis('seed'), df.iloc[[2, 0]]):           # data in the index, or unordered
        html = kept.to_html()
        assert docs._readable_frame(html).replace('<td></td>', '<td>NaN</td>') == html, kept

def test_not_in_sidebar(tmp_path):
    nbs = tmp_path/'nbs'; (nbs/'tutorials').mkdir(parents=True); (nbs/'.hidden').mkdir()
    for f in ('index.ipynb', '00_core.ipynb', 'tutorials/01_a.ipynb', 'tutorials/02_b.ipynb', '.hidden/x.ipynb'):
        _nb(nbs/f)
    q = nbs/'_quarto.yml'
    q.write_text('website:\n  sidebar:\n    contents:\n      - index.ipynb\n      - section: T\n        contents:\n'
                 '          - tutorials/01_a.ipynb\n          - href: 00_core.ipynb\n            text: Core\n')
    assert docs._not_in_sidebar(q, nbs) == [
        'nbs/tutorials/02_b.ipynb is not in the sidebar of _quarto.yml (website: sidebar: contents): add it']
