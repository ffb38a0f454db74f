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
"""
import json, re, shutil, subprocess, sys
from pathlib import Path
import fastcore.docments
import nbdev.processors
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

def _rename_to_output_file(cache: Path):
    "smalldocs ignores `output-file`: rename `00_corpus.ipynb` to `corpus.ipynb` and fix the config that lists it."
    q = cache/'_quarto.yml'
    txt = q.read_text()
    for nb in sorted(cache.rglob('*.ipynb')):
        stem = _output_name(nb)
        if stem and stem != nb.stem:
            nb.rename(nb.with_name(f'{stem}.ipynb'))
            txt = re.sub(rf'(?<![\w]){re.escape(nb.name)}', f'{stem}.ipynb', txt)
    q.unlink(); q.write_text(txt)   # _quarto.yml in _proc may be a copy of a link: write a real file

def build():
    cfg = get_config()
    _plain_signatures()
    refresh_quarto_yml()              # writes nbs/nbdev.yml; nbs/_quarto.yml links to the top-level one
    _build_modidx()
    try: cache = proc_nbs(n_workers=0, force=True)
    except Exception as e:
        if not str(e).startswith('Error in notebook'): raise
        cause = f'{type(e.__cause__).__name__}: {e.__cause__}' if e.__cause__ else 'see above'
        sys.exit(f'{e}\n\ndocs: that cell failed ({cause}). While building the docs, nbdev runs every export '
                 'and show_doc cell and every cell with an import, in order, and nothing else: move an import out of '
                 'a test cell into the import cells at the top of the notebook, so the cell is not run.')
    _rename_to_output_file(cache)
    r = subprocess.run([str(Path(sys.executable).with_name('smalldocs')), 'render', str(cache)],
                       capture_output=True, text=True)
    noise = ('format commonmark', 'keep-md')
    for line in (r.stdout + r.stderr).splitlines():
        if line.strip() and not any(n in line for n in noise): print(line)
    if r.returncode: sys.exit(f'smalldocs failed with exit {r.returncode}')
    out = cache/cfg.doc_path.name
    readme = out/'index.llms.md'
    if not readme.exists(): sys.exit('smalldocs wrote no index.llms.md: is `llms-txt: true` set in _quarto.yml?')
    shutil.copy(readme, cfg.config_path/'README.md')
    shutil.rmtree(cfg.doc_path, ignore_errors=True)
    shutil.move(str(out), str(cfg.doc_path))
    print(f'docs: {len(list(cfg.doc_path.rglob("*.html")))} pages in {cfg.doc_path}; README.md regenerated')

if __name__ == '__main__': build()
