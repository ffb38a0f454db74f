"""Execute notebooks in place so that their outputs (tables, plots) are stored for the docs.

Usage: python tools/run_nbs.py [NOTEBOOK ...] [--flags slow]
Cells flagged with a `tst_flags` flag that is not forced, `#| eval: false` cells and `nbdev_export()` cells are
skipped, as `nbdev_test` skips them. Run `nbdev_clean` afterwards.
"""
import argparse, os
from pathlib import Path
from execnb.shell import CaptureShell
from nbdev.config import get_config
from nbdev.process import extract_directives

def _skipper(skip: set):
    def _pre(cell):
        if cell.cell_type != 'code': return True
        d = extract_directives(cell, remove=False)
        if set(d) & skip: return True
        if d.get('eval:', [''])[0].lower() == 'false': return True
        if 'nbdev_export()' in cell.source or 'nbdev.nbdev_export' in cell.source: return True
        return False
    return _pre

def run(nbs, force_flags=()):
    cfg = get_config()
    skip = set(cfg.tst_flags.split()) - set(force_flags)
    for p in nbs:
        p = Path(p).absolute()
        print(f'executing {p.relative_to(cfg.config_path)}', flush=True)
        cwd = os.getcwd(); os.chdir(p.parent)
        try: CaptureShell().execute(p, p, exc_stop=True, preproc=_skipper(skip))
        finally: os.chdir(cwd)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('nbs', nargs='*')
    ap.add_argument('--flags', default='')
    a = ap.parse_args()
    cfg = get_config()
    nbs = a.nbs or sorted(p for p in cfg.nbs_path.rglob('*.ipynb') if not any(q.startswith(('_', '.')) for q in p.relative_to(cfg.nbs_path).parts))
    run(nbs, a.flags.split())
