"""The editor contract (`diffex.tiny.check_editor`, issue 30) run on every editor diffex ships and every test fake.

LEDITS++ on tiny random SD and SDXL pipelines and on the toy world's shipped model, the toy world's exact and noisy
oracles, the instruction editor on tiny random components and the toy instruction model (by its registry name
'toy-instruct'), the direction-aware fake `TinyTintEditor`, and the
second editor of `03c_second_editor` (`BlurEditor`, built by its registry name 'blur'). Each runs
with one thread and few denoising steps: the contract checks structure (determinism, batching, caching, sizes,
directions, errors, hooks), not edit quality. Run with `-s` to see what each editor measured:

    OMP_NUM_THREADS=1 .venv/bin/python -m pytest -q -s -p no:cacheprovider tests/test_editor_contract.py
"""
import numpy as np
import pytest
from PIL import Image

torch = pytest.importorskip('torch')
torch.set_num_threads(1)
from diffusers.utils import logging as _dlog
_dlog.set_verbosity_error()       # the 32 px test models warn about 48 px images: a warning meant for real checkpoints

from diffex.editing import Editor, make_editor
from diffex.tiny import TinyTintEditor, check_editor

TINY_WORDS = ('red hair', 'beard', 'glasses')
TOY_WORDS = ('full beard', 'sunglasses', 'top hat')
LEDITS_FAST = dict(num_inversion_steps=4, skip=0.1, edit_guidance_scale=8.0, edit_threshold=0.7)

def _noise(seed=0, size=32):
    return Image.fromarray(np.random.default_rng(seed).integers(0, 255, (size, size, 3), dtype=np.uint8))

def _report(name, rep):
    print(f'\n{name}: ' + ', '.join(f'{k}={v}' for k, v in rep.items()))

def _cached(key, build):
    "One pipeline per kind for the whole module: building one takes about a second."
    if key not in _cached.store: _cached.store[key] = build()
    return _cached.store[key]
_cached.store = {}

def _world():
    from diffex import toyworld
    return _cached('world', toyworld.load)

@pytest.mark.parametrize('kind', ['sd', 'sdxl'])
def test_ledits_tiny(kind):
    from diffex.ledits import LeditsEditor
    from diffex.tiny import tiny_pipeline
    pipe = _cached(kind, lambda: tiny_pipeline(kind))
    rep = check_editor(lambda d: LeditsEditor(pipe, cache_dir=d, **LEDITS_FAST), _noise(), TINY_WORDS, atol=2)
    _report(f'LEDITS++ tiny {kind}', rep)
    assert rep['screening'] == 0.5 and rep['inversion_evals'] == 4

def test_ledits_toy_model():
    from diffex import toyworld
    w = _world()
    face = toyworld.draw(toyworld.sample_face(3))
    rep = check_editor(lambda d: w.editor(cache_dir=d, num_inversion_steps=6), face, TOY_WORDS, atol=2, null_atol=4)
    _report('LEDITS++ toy model', rep)

def test_toy_editor_by_name_is_the_worlds():
    ed = make_editor('toy', cache_dir=None, num_inversion_steps=6)
    assert ed.name == _world().editor(num_inversion_steps=6).name and ed.params['num_inversion_steps'] == 6

@pytest.mark.parametrize('name', ['toy-oracle', 'toy-oracle-noisy'])
def test_oracles(name):
    from diffex import toyworld
    face = toyworld.draw(toyworld.sample_face(3))
    rep = check_editor(lambda d: make_editor(name, cache_dir=d), face, TOY_WORDS, framing=False, null_atol=0)
    _report(name, rep)

def test_instruct_tiny():
    from diffex.instruct import InstructEditor, tiny_instruct_pipeline
    pipe = _cached('instruct', tiny_instruct_pipeline)
    rep = check_editor(lambda d: InstructEditor(pipe, cache_dir=d, num_inference_steps=3), _noise(), TINY_WORDS,
                       atol=2, joint=False)
    _report('InstructEditor tiny', rep)

def test_toy_instruct_by_name():
    "The toy instruction model, made by its registry name as the CLI makes it (3 steps: 9 UNet evaluations an edit)."
    from diffex import toyworld
    face = toyworld.draw(toyworld.sample_face(3))
    rep = check_editor(lambda d: make_editor('toy-instruct', cache_dir=d, num_inference_steps=3), face, TOY_WORDS,
                       atol=2, joint=False)
    _report('toy-instruct', rep)
    assert (rep['inversion_evals'], rep['edit_evals'], rep['null_evals']) == (0, 9, 9), rep

def test_tiny_tint():
    rep = check_editor(lambda d: TinyTintEditor(cache_dir=d), _noise(1, 20))
    _report('TinyTintEditor', rep)
    assert rep['batch_maxdiff'] == 0 and rep['null_mean_absdiff'] == 0

def test_ledits_by_name_from_a_folder(tmp_path):
    from diffex.ledits import LeditsEditor
    from diffex.tiny import tiny_pipeline
    pipe = tiny_pipeline('sd', vae='kl')                  # diffusers saves and loads its own VAE classes only
    pipe.save_pretrained(tmp_path/'sd')
    ed = make_editor('ledits', tmp_path/'sd', device='cpu', cache_dir=None, **LEDITS_FAST)
    assert isinstance(ed, LeditsEditor) and isinstance(ed, Editor)
    assert ed.name == LeditsEditor(pipe).name            # the same weights, the same identity in every cache key

def test_tiny_tint_runs_through_explain():
    "The fake through `explain`, both directions: every effect is exactly its prompt's red shift, signed."
    from diffex.classifiers import FunctionClassifier
    from diffex.corpus import SemanticTree
    from diffex.explain import explain
    from diffex.tiny import tint_shift
    tree = SemanticTree.from_dict({'format': 'diffex-corpus', 'version': 1, 'domain': 'colours', 'root': {
        'name': 'things', 'editable': False, 'children': [{'name': w} for w in TINY_WORDS]}})
    red = FunctionClassifier(lambda ims: [np.asarray(i, float)[..., 0].mean() for i in ims], 'redness', ['red'],
                             'regression')
    ex = explain(Image.new('RGB', (16, 16), (100, 100, 100)), red, TinyTintEditor(), tree, 0, seeds=2,
                 directions=('add', 'remove'), beam=None, progress=False)
    assert sorted(ex.effects) == sorted(TINY_WORDS)
    for effs in ex.effects.values():
        for d, e in effs.items():
            want = tint_shift(e.prompt)[0] * (1 if d == 'add' else -1)
            assert np.allclose(np.array(e.edited) - np.array(e.base), want), (e.prompt, d, e.edited, e.base)

def test_blur_by_name():
    "The second editor (03c_second_editor), made by its registry name as the CLI makes it, passes the contract."
    rep = check_editor(lambda d: make_editor('blur', cache_dir=d), _noise(2, 24))
    _report('blur', rep)
    assert rep['name'] == 'blur' and rep['batch_maxdiff'] == 0 and rep['seed_changes_pixels'] and rep['edit_evals'] == 0

def test_every_registered_factory_resolves():
    "No registry line names a module or attribute that does not exist (they are imported only when used)."
    from diffex.editing import EDITORS
    assert {'ledits', 'instruct', 'toy', 'toy-instruct', 'toy-oracle', 'toy-oracle-noisy', 'blur'} <= set(EDITORS)
    for name, entry in EDITORS.items(): assert callable(entry.load()), name

def test_editors_with_a_model_take_device_and_dtype():
    "Every editor with a model takes `device` and `torch_dtype`, so a caller (the CLI) can pass them to any of them."
    ed = make_editor('toy', device='cpu', torch_dtype=torch.float32, num_inversion_steps=4)
    assert ed.pipe.unet.dtype == torch.float32 and ed.pipe.device.type == 'cpu'
