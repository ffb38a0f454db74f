"""Build the docs site offline into `_docs/` and regenerate README.md from `nbs/index.ipynb`.

nbdev 2 processes the notebooks (show_doc, hidden cells, frontmatter, doc links) exactly as `nbdev_docs`
would, then `smalldocs` renders the Quarto-like site without Quarto. Quarto users can still run `nbdev_docs`.
Nothing here executes notebooks: the outputs shown are those stored in them (see tools/run_nbs.py).

Two of nbdev's defaults are changed for the API pages (`_plain_signatures`):
- doc links: nbdev links every backticked name in a markdown output line by line, so a name in a docments comment
  became a raw `[`Editor`](https://...)` inside show_doc's signature (a code block), and a `name` quoted in a
  ``code span`` of two backticks became one too. Links now skip code blocks and such spans, in cells and outputs.
- types: fastcore gives a parameter without annotation the type of its default (`file:NoneType=None`); signatures now
  show the annotations the code has.
- comments: diffex continues a parameter's comment on the comment lines below it; fastcore gave those lines to the next
  parameter (or the return value), and never read the comment of `**kwargs`. A comment continued below its parameter
  now stays with it, as one line, and `**kwargs` keeps its own.
- backticks: a docments comment is shown inside the signature's code block, where Markdown is not read, so its
  `name` showed raw backticks; they are dropped there (`_polish`).
- DataFrames (pandas' HTML): without pandas' row numbers (a default index), a blank for NaN, and a column name may
  wrap after an underscore, so a wide frame fits the 760 px text column (`_readable_frame`).

API chapters (notebooks with `#| default_exp`) keep their tests, but out of the reader's way (`_tuck_tests`): a cell of
imports only, one of them from `fastcore.test`, is left out of the page, and a cell that runs a test (`test_eq`,
`test_fail`, ... or `assert`) is shown folded under "Tests" (its outputs stay visible).

The build is quiet and strict: a success prints a few lines, and any warning (nbdev's "cells containing imports and
other code", a Python warning raised while processing, a smalldocs warning, or a notebook the sidebar does not list) is
listed, one line each, after the build,
and fails it (exit 1). README.md gets the links of index's pages as paths in this repository (`nbs/...ipynb`), since
the `*.llms.md` files smalldocs links to exist only in `_docs/`.
"""
import ast, json, re, shutil, subprocess, sys, warnings
from pathlib import Path
import fastcore.docments
import nbdev.processors, nbdev.serve_drv
from nbdev.config import get_config
from nbdev.quarto import refresh_quarto_yml
from nbdev.doclinks import NbdevLookup, _build_modidx
from nbdev.serve import proc_nbs

_re_long_code = re.compile(r'(`{2,}).+?\1')    # a code span of 2+ backticks: it may hold single backticks

def _link_line(nl: NbdevLookup, line: str) -> str:
    "nbdev's `link_line`, but never inside a ``code span`` (nbdev would link a `name` quoted in it)."
    out, i = [], 0
    for m in _re_long_code.finditer(line):
        out += [nl.link_line(line[i:m.start()]), m.group(0)]; i = m.end()
    return ''.join(out + [nl.link_line(line[i:])])

def _linkify(nl: NbdevLookup, md: str) -> str:
    "nbdev's `linkify` (backticked names become links outside fenced and indented code), with `_link_line`."
    lines, in_fence = md.splitlines(), False
    for i, line in enumerate(lines):
        if line.startswith('```'): in_fence = not in_fence
        elif not line.startswith('    ') and not in_fence: lines[i] = _link_line(nl, line)
    return '\n'.join(lines)

def add_links(cell):
    "nbdev's `add_links`, but markdown outputs are linked like markdown cells: never inside a code block or span."
    nl = NbdevLookup()
    if cell.cell_type == 'markdown' and cell.source: cell.source = _linkify(nl, cell.source)
    for o in cell.get('outputs', []):
        md = o.get('data', {}).get('text/markdown')
        if md: o['data']['text/markdown'] = _linkify(nl, md if isinstance(md, str) else ''.join(md)).splitlines(True)

def _get_full(p, docs, eval_str=False):
    "fastcore's `_get_full` without inventing an annotation from the default's type."
    anno, empty = p.annotation, fastcore.docments.empty
    if anno == empty and p.default == empty and eval_str: anno = None
    return fastcore.docments.AttrDict(docment=docs.get(p.name), anno=anno, default=p.default, kind=p.kind)

def _get_comment(line, arg, comments, parms):
    "The comment of the parameter on `line`: on its line and the comment-only lines below, else the lines just above."
    if line in comments:
        res, nxt = [comments[line]], line + 1
        while nxt in comments and nxt not in parms: res.append(comments[nxt]); nxt += 1
        return ' '.join(c.strip() for c in res)
    res, prev = [], line - 1
    while prev in comments and prev not in parms: res.append(comments[prev]); prev -= 1
    if prev in parms and prev in comments: return None    # those lines continue the comment of the parameter above
    return ' '.join(c.strip() for c in reversed(res)) or None

_param_locs = fastcore.docments._param_locs
def _param_locs_kwargs(s, returns=True, args_kwargs=False):
    "fastcore's `_param_locs`, always with `**kwargs`, so that its comment is read (and not given to the return value)."
    return _param_locs(s, returns=returns, args_kwargs=True)

def _plain_signatures():
    "Patch nbdev's processing (this process only): see the module docstring."
    nbdev.processors.add_links = add_links       # `FilterDefaults.base_procs` reads the name at call time
    fastcore.docments._get_full = _get_full       # these three are read by `docments`, so by show_doc's signature
    fastcore.docments._get_comment = _get_comment
    fastcore.docments._param_locs = _param_locs_kwargs

def _output_name(nb: Path):
    "The `output-file` stem nbdev put in a processed notebook's frontmatter, if any."
    cells = json.loads(nb.read_text())['cells']
    if not cells: return None
    m = re.search(r'^output-file:\s*(\S+)\.html\s*$', ''.join(cells[0]['source']), re.M)
    return m.group(1) if m else None

_re_output_file = re.compile(r'^output-file:.*\n?', re.M)

def _rename_to_output_file(cache: Path) -> dict:
    """smalldocs ignores `output-file` (and warns about it): rename `00_corpus.ipynb` to `corpus.ipynb`, drop the key,
    fix the config that lists the notebook. Returns {page path without suffix, e.g. 'tutorials/why_older': the notebook's
    path relative to the cache, e.g. 'tutorials/01_why_older.ipynb'}, for every notebook."""
    q = cache/'_quarto.yml'
    txt, pages = q.read_text(), {}
    for nb in sorted(cache.rglob('*.ipynb')):
        stem, rel = _output_name(nb), nb.relative_to(cache).as_posix()
        if stem:
            d = json.loads(nb.read_text())
            d['cells'][0]['source'] = _re_output_file.sub('', ''.join(d['cells'][0]['source']))
            nb.write_text(json.dumps(d, indent=1))
        if stem and stem != nb.stem:
            nb.rename(nb.with_name(f'{stem}.ipynb'))
            txt = re.sub(rf'(?<![\w]){re.escape(nb.name)}', f'{stem}.ipynb', txt)
        pages[nb.with_name(f'{stem or nb.stem}.ipynb').relative_to(cache).with_suffix('').as_posix()] = rel
    q.unlink(); q.write_text(txt)   # _quarto.yml in _proc may be a copy of a link: write a real file
    return pages

_TEST_CALL = re.compile(r'test_\w*')

def _parse(src: str):
    "The cell's code as an AST (without `#|` lines and IPython magics), or None when it is not Python."
    code = '\n'.join(ln for ln in src.splitlines() if not ln.lstrip().startswith(('#|', '%', '!')))
    try: return ast.parse(code)
    except SyntaxError: return None

def _is_test_imports(tree) -> bool:
    "Only imports, one of them from `fastcore.test`: test set-up."
    body = tree.body
    return bool(body) and all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in body) and any(
        isinstance(n, ast.ImportFrom) and (n.module or '').startswith('fastcore.test') for n in body)

def _runs_tests(tree) -> bool:
    "Calls a `test_*` function (fastcore.test's `test_eq`, `test_fail`, ...) or asserts."
    for n in ast.walk(tree):
        if isinstance(n, ast.Assert): return True
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and _TEST_CALL.fullmatch(n.func.id): return True
    return False

def _tuck_tests(nb: Path) -> tuple[int, int]:
    "Leave a processed API chapter's test imports out and fold its test cells (module docstring). Returns (left out, folded)."
    d = json.loads(nb.read_text())
    out = folded = 0
    for c in d['cells']:
        src = ''.join(c['source'])
        if c['cell_type'] != 'code' or not src.strip() or 'show_doc(' in src: continue
        tree = _parse(src)
        if tree is None: continue
        if _is_test_imports(tree): c['source'] = '#| include: false\n' + src; out += 1
        elif _runs_tests(tree) and 'code-fold' not in src:
            c['source'] = '#| code-fold: true\n#| code-summary: "Tests"\n' + src; folded += 1
    nb.write_text(json.dumps(d, indent=1))
    return out, folded

_re_sig_fence = re.compile(r'^```python\n(def |class |async def ).*?^```$', re.M | re.S)

def _plain_comment_line(line: str) -> str:
    "A signature line with the backticks of its comment dropped."
    i = line.find(' # ')
    return line if i < 0 else line[:i] + line[i:].replace('`', '')

_re_dataframe = re.compile(r'<table[^>]*class="dataframe".*?</table>', re.S)
_re_th = re.compile(r'<th\b[^>]*>[^<]*</th>')
_re_row_index = re.compile(r'(<tr[^>]*>\s*)<th>(\d+)</th>\s*')

def _readable_frame(html: str) -> str:
    """A DataFrame as a person reads it: its default index (0, 1, 2, ... in one unnamed header row: pandas' row numbers,
    not data) left out, a missing number (NaN) blank, and a column name that may wrap after an underscore
    (`ci_<wbr>low`), so a wide frame fits the text column. A named or non-integer index stays."""
    def table(t):
        h = t.group(0)
        head, body = h.partition('<tbody>')[0], h.partition('<tbody>')[2]
        idx = [int(m.group(2)) for m in _re_row_index.finditer(body)]
        rows = body.count('<tr')
        if (head.count('<tr') == 1 and re.search(r'<tr[^>]*>\s*<th></th>', head) and idx and len(idx) == rows
                and all(a < b for a, b in zip(idx, idx[1:]))):
            head = re.sub(r'(<tr[^>]*>\s*)<th></th>\s*', r'\1', head, count=1)
            body = _re_row_index.sub(r'\1', body)
            h = head + '<tbody>' + body
        h = re.sub(r'<td>NaN</td>', '<td></td>', h)
        return _re_th.sub(lambda m: re.sub(r'_(?=\w)', '_<wbr>', m.group(0)), h)
    return _re_dataframe.sub(table, html)

def _polish(nb: Path):
    """In show_doc's signature blocks (code, where Markdown is not read), a docments comment's `name` loses its
    backticks; a DataFrame is shown as `_readable_frame` makes it."""
    d, changed = json.loads(nb.read_text()), False
    for c in d['cells']:
        for o in c.get('outputs', []):
            data = o.get('data', {})
            for mime, fix in (('text/markdown', lambda md: _re_sig_fence.sub(
                    lambda m: '\n'.join(map(_plain_comment_line, m.group(0).split('\n'))), md)),
                              ('text/html', _readable_frame)):
                if not data.get(mime): continue
                old = data[mime] if isinstance(data[mime], str) else ''.join(data[mime])
                new = fix(old)
                if new != old: data[mime] = new.splitlines(True); changed = True
    if changed: nb.write_text(json.dumps(d, indent=1))

def _is_chapter(nb: Path) -> bool:
    "An API chapter: a notebook with `#| default_exp`."
    return any(re.search(r'^#\|\s*default_exp\b', ''.join(c['source']), re.M)
               for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'code')

def _mixed_import_cells(nbs: Path) -> list[str]:
    """The cells nbdev warns about ("cells containing imports and other code"): while building the docs it runs every
    cell with an import, so the other code (often a test) runs too. One line each: notebook, cell number, first line."""
    res = []
    for nb in sorted(nbs.rglob('*.ipynb')):
        if any(p.startswith(('_', '.')) for p in nb.relative_to(nbs).parts): continue
        for i, c in enumerate(json.loads(nb.read_text())['cells']):
            src = ''.join(c['source'])
            if c['cell_type'] != 'code' or 'nbdev_export()' in src: continue
            if re.search(r'^#\|\s*(export|exports|exporti|exec_doc)\b|^#\|\s*eval:\s*false', src, re.M | re.I): continue
            tree = _parse(src)
            if tree is None: continue
            kinds = {type(n) for n in ast.walk(tree)}
            if kinds & {ast.Import, ast.ImportFrom} and kinds & {ast.Expr, ast.Assign}:
                first = next(ln for ln in src.splitlines() if ln.strip() and not ln.startswith('#|'))
                res.append(f'{nb.relative_to(nbs.parent)}: cell {i} has imports and other code ({first.strip()[:60]!r}); '
                           'put its imports in a cell of their own')
    return res

def _smalldocs_problems(out: str) -> list[str]:
    """smalldocs' output lines (with --quiet, only warnings), one problem each; a warning that every page repeats
    (`page.ipynb: broken link /x.ipynb`, a sidebar entry with no notebook) is listed once, with its page count."""
    msgs = [ln.removeprefix('warning: ').strip() for ln in out.splitlines() if ln.strip()]
    per_page = re.compile(r'^(\S+\.ipynb): (.*)$')
    pages: dict = {}
    for m in filter(None, map(per_page.match, msgs)): pages.setdefault(m.group(2), []).append(m.group(1))
    res, seen = [], set()
    for msg in msgs:
        m = per_page.match(msg)
        if m and len(pages[m.group(2)]) > 3:
            if m.group(2) not in seen:
                seen.add(m.group(2))
                res.append(f'smalldocs: {m.group(2)} on {len(pages[m.group(2)])} pages (in the sidebar or navbar of '
                           '_quarto.yml? a notebook listed there that does not exist)')
        else: res.append(f'smalldocs: {msg}')
    return res

def _sidebar_entries(node) -> set[str]:
    "Every notebook a Quarto sidebar lists (entries as strings, or `href:`/`file:` of a mapping), at any depth."
    if isinstance(node, str): return {node} if node.endswith('.ipynb') else set()
    if isinstance(node, dict):
        own = {v for k, v in node.items() if k in ('href', 'file') and isinstance(v, str) and v.endswith('.ipynb')}
        return own.union(*(_sidebar_entries(v) for k, v in node.items() if k in ('contents', 'sidebar', 'left')))
    if isinstance(node, list): return set().union(*map(_sidebar_entries, node))
    return set()

def _not_in_sidebar(quarto: Path, nbs: Path) -> list[str]:
    "The notebooks the sidebar of `_quarto.yml` does not list: their pages would be built but linked from nowhere."
    import yaml
    listed = _sidebar_entries((yaml.safe_load(quarto.read_text()) or {}).get('website', {}).get('sidebar', {}))
    return [f'{nb.relative_to(nbs.parent)} is not in the sidebar of {quarto.name} (website: sidebar: contents): add it'
            for nb in sorted(nbs.rglob('*.ipynb'))
            if not any(p.startswith(('_', '.')) for p in nb.relative_to(nbs).parts)
            and nb.relative_to(nbs).as_posix() not in listed]

def _readme_links(md: str, pages: dict, nbs: str, root: Path) -> str:
    """README.md sits at the top of the repository, index.ipynb in `nbs/`: a link to `page.llms.md` (a file of `_docs/`
    only) becomes a link to the page's notebook, and a link to a file beside the notebooks (a picture in
    `nbs/images/`) gets the `nbs/` prefix. Links that leave the repository, or that resolve already, stay."""
    def fix(m):
        page, frag = m.group(1), m.group(2) or ''
        return f']({nbs}/{pages[page]}{frag})' if page in pages else m.group(0)
    md = re.sub(r'\]\(([\w/.-]+?)\.llms\.md(#[^)]*)?\)', fix, md)
    def beside(m):
        t = m.group(1); path = t.split('#')[0]
        if re.match(r'^([a-z][a-z0-9+.-]*:|/|#)', t, re.I) or not path or (root/path).exists(): return m.group(0)
        return f']({nbs}/{t})' if (root/nbs/path).exists() else m.group(0)
    return re.sub(r'\]\(([^)\s]+)\)', beside, md)

def build():
    cfg = get_config()
    _plain_signatures()
    problems = _mixed_import_cells(cfg.nbs_path) + _not_in_sidebar(cfg.nbs_path/'_quarto.yml', cfg.nbs_path)
    refresh_quarto_yml()              # writes nbs/nbdev.yml; nbs/_quarto.yml links to the top-level one
    _build_modidx()
    caught = []                       # (notebook, warning) for every Python warning raised while processing
    def proc_one(o, _main=nbdev.serve_drv.main):
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter('always')
            try: return _main(o)
            finally: caught.extend((Path(o[0]), w) for w in ws)
    nbdev.serve_drv.main = proc_one   # proc_nbs looks it up at call time; n_workers=0 runs it in this process
    try: cache = proc_nbs(n_workers=0, force=True)
    except Exception as e:
        if not str(e).startswith('Error in notebook'): raise
        cause = f'{type(e.__cause__).__name__}: {e.__cause__}' if e.__cause__ else 'see above'
        print('\n'.join(f'docs: warning: {p}' for p in problems), file=sys.stderr)
        sys.exit(f'{e}\n\ndocs: that cell failed ({cause}). While building the docs, nbdev runs every export '
                 'and show_doc cell and every cell with an import, in order, and nothing else: move an import out '
                 'of a test cell into the import cells at the top of the notebook, so the cell is not run'
                 f'{" (the cells listed above mix them)" if problems else ""}.')
    finally: nbdev.serve_drv.main = proc_one.__defaults__[0]
    for nb, w in caught:              # nbdev's mixed-cell warnings are the ones listed above, with their cells
        msg = str(w.message)
        if msg.startswith('Found cells containing imports and other code'): continue
        where = nb.relative_to(cfg.config_path) if nb.is_relative_to(cfg.config_path) else nb
        problems.append(f'{where}: running its import and export cells raised {w.category.__name__} '
                        f'({Path(w.filename).name}:{w.lineno}): {msg.splitlines()[0][:200]}')
    tucked = [0, 0]
    for nb in sorted(cache.rglob('*.ipynb')):
        src = cfg.nbs_path/nb.relative_to(cache)
        if src.exists() and _is_chapter(src):
            tucked = [a + b for a, b in zip(tucked, _tuck_tests(nb))]
        _polish(nb)
    pages = _rename_to_output_file(cache)
    r = subprocess.run([str(Path(sys.executable).with_name('smalldocs')), 'render', '--quiet', str(cache)],
                       capture_output=True, text=True)
    problems += _smalldocs_problems(r.stdout + r.stderr)
    if r.returncode: sys.exit('\n'.join(problems + [f'smalldocs failed with exit {r.returncode}']))
    out = cache/cfg.doc_path.name
    readme = out/'index.llms.md'
    if not readme.exists(): sys.exit('smalldocs wrote no index.llms.md: is `llms-txt: true` set in _quarto.yml?')
    nbs_rel = cfg.nbs_path.relative_to(cfg.config_path).as_posix()
    (cfg.config_path/'README.md').write_text(_readme_links(readme.read_text(), pages, nbs_rel, cfg.config_path))
    shutil.rmtree(cfg.doc_path, ignore_errors=True)
    shutil.move(str(out), str(cfg.doc_path))
    print(f'docs: {len(list(cfg.doc_path.rglob("*.html")))} pages in {cfg.doc_path.relative_to(cfg.config_path)}/; '
          f'README.md regenerated; API pages: {tucked[0]} test-import cells left out, {tucked[1]} test cells folded')
    if problems:
        print('\n'.join(f'docs: warning: {p}' for p in problems), file=sys.stderr)
        sys.exit(f'docs: {len(problems)} warning(s) above: the docs build allows none. Fix each (the line says how), '
                 'then run ./dev docs again.')

if __name__ == '__main__': build()
