"""Importing the explainer stays light: `diffusers` is imported only when a LEDITS++ editor is built (issue 18), and the
flat front door (`from diffex import explain, SemanticTree, toyworld, LeditsEditor`) imports each name's module only
when the name is asked for, so `import diffex` loads no torch, diffusers, transformers, scipy or pandas (issue 30).

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

HEAVY = ('torch', 'diffusers', 'transformers', 'scipy', 'pandas')

def test_package_import_is_lean():
    "`import diffex` (the flat front door) loads none of the heavy libraries, and no diffex module but itself."
    assert _loaded('import diffex', HEAVY) == []
    code = "import diffex\nprint(sorted(m for m in sys.modules if m.startswith('diffex.')))"
    assert _run(code) == '[]'

def _run(code: str) -> str:
    "The last line `code` prints in a fresh process."
    r = subprocess.run([sys.executable, '-c', 'import sys\n' + code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout.strip().splitlines()[-1]

def test_front_door_names_are_their_homes():
    "The issue's line works, and each name is the object of its home module, loaded only when asked for."
    code = ("from diffex import explain, SemanticTree, toyworld\n"
            "print(sorted(m for m in ('diffusers', 'diffex.ledits') if m in sys.modules))\n"
            "from diffex import LeditsEditor\n"
            "import diffex.explain, diffex.corpus, diffex.ledits\n"
            "print([explain is sys.modules['diffex.explain'].explain, SemanticTree is diffex.corpus.SemanticTree,\n"
            "       toyworld is sys.modules['diffex.toyworld'], LeditsEditor is diffex.ledits.LeditsEditor,\n"
            "       'diffusers' in sys.modules])")
    r = subprocess.run([sys.executable, '-c', 'import sys\n' + code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split('\n')[:2] == ['[]', '[True, True, True, True, True]'], r.stdout

def test_every_public_name_resolves():
    "Every name of `diffex.__all__` is its home module's object (`from diffex import *` too), and `dir` lists them."
    code = ("import importlib, diffex\n"
            "bad = []\n"
            "for n, spec in diffex._LAZY.items():\n"
            "    mod, _, attr = spec.partition(':')\n"
            "    obj = importlib.import_module('diffex.' + mod)\n"
            "    for a in filter(None, attr.split('.')): obj = getattr(obj, a)\n"
            "    if getattr(diffex, n) != obj: bad.append(n)\n"
            "ns = {}; exec('from diffex import *', ns)\n"
            "print(bad, sorted(set(diffex.__all__) - set(ns)), sorted(set(diffex.__all__) - set(dir(diffex))))")
    assert _run(code) == '[] [] []'

def test_explain_stays_the_function():
    "Importing the module `diffex.explain` (here through the CLI, before the name is asked for) leaves `diffex.explain` the function."
    code = ("import diffex.cli, diffex\nfrom diffex import explain\n"
            "print(callable(explain), diffex.explain is explain, explain.__module__)")
    assert _run(code) == 'True True diffex.explain'

def test_unknown_name_says_where_the_names_are():
    code = "import diffex\ntry: diffex.explian\nexcept AttributeError as e: print(e)"
    assert _run(code) == "module 'diffex' has no attribute 'explian'; its names are in diffex.__all__"
    assert _run("import diffex\nprint(diffex.mining.__name__)") == 'diffex.mining'      # any submodule, lazily

def test_verifiers_is_the_module_its_functions_flat():
    "`from diffex import verifiers` is the module (diffex reads it so); its registry functions are also flat names."
    code = ("import diffex\nfrom diffex import verifiers, make_verifier, register_verifier, Verifier\n"
            "from diffex.classifiers import Verifier as Old\n"
            "print(verifiers is sys.modules['diffex.verifiers'], make_verifier is verifiers.make_verifier,\n"
            "      register_verifier is verifiers.register_verifier, Verifier is verifiers.Verifier is Old,\n"
            "      'toy-probes' in verifiers.verifiers())")
    assert _run(code) == 'True True True True True'
