"""Build the docs site offline into `_docs/` and regenerate README.md from `nbs/index.ipynb`.

nbdev 2 processes the notebooks (show_doc, hidden cells, frontmatter, doc links) exactly as `nbdev_docs`
would, then `smalldocs` renders the Quarto-like site without Quarto. Quarto users can still run `nbdev_docs`.
Nothing here executes notebooks: the outputs shown are those stored in them (see tools/run_nbs.py).
"""
import json, re, shutil, subprocess, sys
from pathlib import Path
from nbdev.config import get_config
from nbdev.quarto import refresh_quarto_yml
from nbdev.doclinks import _build_modidx
from nbdev.serve import proc_nbs

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
    refresh_quarto_yml()              # writes nbs/nbdev.yml; nbs/_quarto.yml links to the top-level one
    _build_modidx()
    cache = proc_nbs(n_workers=0, force=True)
    _rename_to_output_file(cache)
    r = subprocess.run([str(Path(sys.executable).with_name('smalldocs')), 'render', str(cache)], capture_output=True, text=True)
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
