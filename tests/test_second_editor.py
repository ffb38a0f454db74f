"""A second editor is one new notebook plus one registry line (issue 30).

`BlurEditor` (`nbs/03c_second_editor.ipynb`, exported to `diffex/blur.py`) and its line
`register_editor('blur', 'diffex.blur:BlurEditor', ...)` in `diffex.editing` are all it took: the editor runs through
`explain`, the command line (in a fresh process that never imported `diffex.blur`) and the explorer, and no other line
of the package names it. The contract itself (`check_editor`) runs in `tests/test_editor_contract.py`.

    OMP_NUM_THREADS=1 .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_second_editor.py
"""
import os, re, subprocess, sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).parents[1]
H, W = 24, 32


def _image() -> Image.Image:
    return Image.fromarray(np.random.default_rng(0).integers(0, 255, (H, W, 3), dtype=np.uint8))


def _brightness():
    from diffex import FunctionClassifier
    return FunctionClassifier(lambda ims: [np.asarray(i, float).mean() for i in ims], 'brightness', ['brightness'],
                              'regression', value_unit='grey levels')


def _explained():
    "The editor, by its registry name, through `explain` along `diffex.tiny.tiny_corpus`."
    from diffex import explain, make_editor
    from diffex.tiny import tiny_corpus
    return explain(_image(), _brightness(), make_editor('blur'), tiny_corpus(), 'brightness', seeds=2, progress=False)


def test_through_explain():
    "Brighter along a semantic whose factor is above 1, darker below: the effects follow the editor's amounts."
    from diffex.blur import prompt_amounts
    ex = _explained()
    assert ex.models['editor'] == 'blur' and ex.cost['unet_evals'] == 0 and ex.effects
    signed = 0
    for path in ex.effects:
        f = prompt_amounts(ex.tree[path].prompt)[1]
        if abs(f - 1) > 0.05:
            assert np.sign(ex.effect(path).mean) == np.sign(f - 1), (path, f, ex.effect(path))
            signed += 1
    assert signed >= 3, 'too few semantics with a clear brightness change to check the sign of'


def _means_onnx(path: Path):
    "An ONNX model of the mean of each colour channel (three logits), written with `onnx.helper`."
    onnx = pytest.importorskip('onnx')
    pytest.importorskip('onnxruntime')
    from onnx import TensorProto, helper
    g = helper.make_graph([helper.make_node('ReduceMean', ['image', 'axes'], ['mean'], keepdims=0)], 'channel_mean',
                          [helper.make_tensor_value_info('image', TensorProto.FLOAT, ['n', 3, H, W])],
                          [helper.make_tensor_value_info('mean', TensorProto.FLOAT, ['n', 3])],
                          initializer=[helper.make_tensor('axes', TensorProto.INT64, [2], [2, 3])])
    path.write_bytes(onnx.helper.make_model(g, opset_imports=[helper.make_opsetid('', 18)], ir_version=8)
                     .SerializeToString())
    return path


def test_through_the_cli_in_a_fresh_process(tmp_path):
    "`diffex explain --editor blur` in a new interpreter: the registry line is what makes the name known."
    from diffex.explanation import Explanation
    from diffex.tiny import tiny_corpus
    _image().save(tmp_path/'image.png')
    tiny_corpus().save(tmp_path/'tiny.json')
    argv = ['explain', '--image', tmp_path/'image.png', '--classifier', _means_onnx(tmp_path/'means.onnx'),
            '--labels', 'red,green,blue', '--target', 'red', '--editor', 'blur', '--corpus', tmp_path/'tiny.json',
            '--seeds', '2', '--out', tmp_path/'out', '--cache-dir', tmp_path/'cache', '--quiet']
    code = "import sys\nfrom diffex.cli import main\nsys.exit(main(sys.argv[1:]))"
    r = subprocess.run([sys.executable, '-c', code, *map(str, argv)], capture_output=True, text=True, timeout=600,
                       env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'report:' in r.stdout.splitlines()[-1], r.stdout
    ex = Explanation.load(tmp_path/'out'/'explanation')
    assert (ex.models['editor'], ex.target, ex.tree.domain, ex.n_seeds) == ('blur', 'red', 'tiny', 2)
    assert any((tmp_path/'cache').rglob('*.bin')), 'the edits were not cached where --cache-dir says'


def test_through_the_explorer():
    "The explorer on its explanation, with the editor attached by name: more seeds and a strength sweep, live."
    pytest.importorskip('anywidget')
    from diffex import make_editor
    from diffex.widgets import explore
    ex = _explained()
    xp = explore(ex, _brightness(), make_editor('blur'))
    top = ex.ranking()[0]
    assert (xp.tree.selected, xp.sweep_param) == (top, 'strength')
    n = ex.effect(top).n
    xp._on_more()
    assert xp.status.value == '' and ex.effect(top).n == n + 2, xp.status.value
    xp._on_sweep()
    assert xp.status.value == '' and xp.sweep_image.layout.display == '', xp.status.value
    assert f'strength sweep of <b>{top}</b>' in xp.sweep_html.value


def test_one_notebook_plus_one_registry_line():
    "In the package, outside the editor's own module (and the generated index), one line names it: the registry's."
    named = re.compile(r"diffex\.blur|BlurEditor|'blur'")
    hits = [f'{p.name}:{i}: {line.strip()}' for p in sorted((ROOT/'diffex').glob('*.py'))
            if p.name not in ('blur.py', '_modidx.py')
            for i, line in enumerate(p.read_text().splitlines(), 1) if named.search(line)]
    assert len(hits) == 1 and hits[0].startswith('editing.py:') and 'register_editor(' in hits[0], hits
    assert (ROOT/'nbs'/'03c_second_editor.ipynb').exists() and (ROOT/'diffex'/'blur.py').exists()
