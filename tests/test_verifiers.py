"""Verifiers (issue 30): one override point (`observe`), the registry by name, CLIP on a tiny random model built in
code, the old import path, and the toy world's settings by keyword."""
import pickle

import numpy as np
import pytest
import torch
from PIL import Image

from diffex import verifiers as V
from diffex.verifiers import CLIPVerifier, Observation, Verifier, make_verifier


class Glasses(Verifier):
    "A module-level verifier (so that it pickles): only the glasses edit fails."
    name = 'glasses-test'
    def observe(self, edited, null, paths, prompts, directions): return [p != 'eyewear/glasses' for p in paths]


def _ims(n=3, size=16):
    return [Image.fromarray(np.random.default_rng(i).integers(0, 255, (size, size, 3), dtype=np.uint8)) for i in range(n)]


def test_old_import_path_gives_the_same_classes():
    from diffex.classifiers import CLIPVerifier as C, Observation as O, Verifier as W
    assert (W, O, C) == (Verifier, Observation, CLIPVerifier)
    import diffex.classifiers
    with pytest.raises(AttributeError, match="has no attribute 'Verfier'"): diffex.classifiers.Verfier


def test_one_override_point():
    with pytest.raises(TypeError, match=r'OldStyle overrides `verify`, but a verifier overrides only `observe`'):
        class OldStyle(Verifier):
            def verify(self, edited, null, paths, prompts, directions): return [True] * len(edited)
    im = _ims(1)[0]
    v = Glasses()
    assert v.verify([im, im], im, ['eyewear/glasses', 'x'], ['glasses', 'x'], ['add', 'remove']) == [False, True]
    assert v.observe([im], im, ['x'], ['x'], ['add']) == [Observation(True)]
    w = pickle.loads(pickle.dumps(v))                       # a checked observe still pickles with its class
    assert w.verify([im], im, ['eyewear/glasses'], ['glasses'], ['add']) == [False]


def test_observe_is_checked():
    im = _ims(1)[0]
    with pytest.raises(ValueError, match="a direction is 'add' or 'remove', not 'up'"):
        Glasses().observe([im], im, ['x'], ['x'], ['up'])
    with pytest.raises(ValueError, match='2 edited images but 1 prompts'):
        Glasses().observe([im, im], im, ['x', 'y'], ['x'], ['add', 'add'])
    class Wrong(Verifier):
        def observe(self, edited, null, paths, prompts, directions, others=None): return ['yes'] * len(edited)
    with pytest.raises(TypeError, match='Wrong.observe returned a str for an image'):
        Wrong().verify([im], im, ['x'], ['x'], ['add'])


def test_registry_names_and_errors():
    assert {'clip', 'toy-probes'} <= set(V.verifiers())
    pv = make_verifier('toy-probes')
    assert type(pv).__name__ == 'ProbeVerifier' and pv.name == 'toy-probes'   # the typed name is the recorded one
    with pytest.raises(ValueError, match="no verifier named 'clipp'; known verifiers: clip, toy-probes"):
        make_verifier('clipp')
    with pytest.raises(ValueError, match="verifier 'clip' needs a model"): make_verifier('clip')


@pytest.fixture(scope='module')
def clip():
    from diffex.tiny import tiny_clip
    return tiny_clip()


def test_clip_change_is_the_cosine_difference_and_siblings_are_read(clip, tmp_path):
    m, proc = clip
    ims = _ims()
    v = CLIPVerifier(model=m, processor=proc, margin=0.0, device='cpu')
    obs = v.observe(ims[1:3], ims[0], ['a', 'b'], ['beard', 'goatee'], ['add', 'remove'],
                    others={'a': 'beard', 'b': 'goatee', 'c': 'old'})
    unit = lambda e: (lambda t: t / t.norm(dim=-1, keepdim=True))(e if isinstance(e, torch.Tensor) else e.pooler_output)
    with torch.no_grad():
        i = unit(m.get_image_features(pixel_values=proc.image_processor(images=ims, return_tensors='pt')['pixel_values']))
        t = unit(m.get_text_features(**proc.tokenizer(['beard', 'goatee'], padding=True, return_tensors='pt')))
    want_a, want_b = float((i[1] - i[0]) @ t[0]), float((i[2] - i[0]) @ t[1])
    assert obs[0].changes['a'] == pytest.approx(want_a, abs=1e-5) and obs[0].happened == (want_a >= 0)
    assert obs[1].changes['b'] == pytest.approx(want_b, abs=1e-5) and obs[1].happened == (want_b <= 0)
    assert 'b' in obs[0].side_effects and 'a' in obs[1].side_effects   # a sibling edited in the same batch is still read
    m.save_pretrained(tmp_path/'clip'); proc.save_pretrained(tmp_path/'clip')
    by_name = make_verifier('clip', str(tmp_path/'clip'), margin=0.0, device='cpu')
    assert by_name.observe(ims[1:2], ims[0], ['a'], ['beard'], ['add'])[0].changes['a'] == pytest.approx(want_a, abs=1e-5)


def test_toy_world_settings_by_keyword_only():
    from diffex import toyworld
    for make, who in [(lambda: toyworld.OracleEditor('/tmp/c'), 'OracleEditor'),
                      (lambda: toyworld.NoisyOracleEditor(None, 4), 'NoisyOracleEditor'),
                      (lambda: toyworld.load(diffusion=False).oracle('/tmp/c'), 'ToyWorld.oracle'),
                      (lambda: toyworld.load(diffusion=False).editor('/tmp/c'), 'ToyWorld.editor')]:
        with pytest.raises(TypeError, match=rf'{who} takes its settings by keyword, such as {who}\(cache_dir=\.\.\.\)'):
            make()
    assert toyworld.OracleEditor(cache_dir=None, batch_size=4).batch_size == 4
    assert toyworld.NoisyOracleEditor(cache_dir=None, fail=0.0).params['fail'] == 0.0
