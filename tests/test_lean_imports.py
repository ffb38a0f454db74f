"""Importing the explainer stays light: `diffusers` is imported only when a LEDITS++ editor is built (issue 18).

Each check runs in a fresh interpreter, so what this test process has already imported does not matter. No time is
asserted here; `python -m diffex.bench --sections imports` measures the import times.
"""
import subprocess, sys
import pytest

def _loaded(statement: str, modules=('diffusers', 'transformers')) -> list:
    "Which of `modules` are in `sys.modules` after `statement`, in a fresh process."
    code = f"import sys\n{statement}\nprint(sorted(m for m in {tuple(modules)!r} if m in sys.modules))"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return eval(r.stdout.strip().splitlines()[-1])

@pytest.mark.parametrize('module', ['diffex.explain', 'diffex.search'])
def test_explainer_does_not_import_diffusers(module):
    assert 'diffusers' not in _loaded(f'import {module}'), f'import {module} imports diffusers'

@pytest.mark.parametrize('module', ['diffex', 'diffex.editing', 'diffex.tiny'])
def test_protocol_and_fakes_import_neither_diffusers_nor_transformers(module):
    assert _loaded(f'import {module}') == []

def test_leditseditor_is_imported_on_first_use():
    code = "from diffex.editing import LeditsEditor\nfrom diffex.ledits import LeditsEditor as L\nassert LeditsEditor is L"
    assert 'diffusers' in _loaded(code)
