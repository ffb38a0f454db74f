"""Dataset sharding with `accelerate` (two CPU processes give the same result as one) and resuming an interrupted run."""
import json, os, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
from diffex import toyworld
from diffex.editing import LeditsEditor
from diffex.tiny import tiny_pipeline
from diffex.explain import explain
from diffex.corpus import SemanticTree

HERE = Path(__file__).parent

def _run(args, cwd):
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'HF_HUB_OFFLINE': '1'}
    r = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return r.stdout

def _rows(folder):
    d = json.loads((Path(folder)/'dataset.json').read_text())
    return {(r['path'], r['direction']): r for r in d['rows']}, d

def test_two_processes_match_one(tmp_path):
    script = HERE/'scripts'/'dataset_job.py'
    out1 = _run([sys.executable, str(script), str(tmp_path/'one')], tmp_path)
    accel = Path(sys.executable).with_name('accelerate')
    out2 = _run([str(accel), 'launch', '--multi_gpu', '--num_processes', '2', '--num_machines', '1', '--mixed_precision', 'no',
                 '--dynamo_backend', 'no', str(script), str(tmp_path/'two')], tmp_path)
    r1, d1 = _rows(tmp_path/'one'); r2, d2 = _rows(tmp_path/'two')
    assert d1['params']['num_processes'] == 1 and d2['params']['num_processes'] == 2
    assert 'processes 2' in out2
    assert set(r1) == set(r2) and len(r1) > 10
    for k in r1:
        assert r1[k]['n_images'] == r2[k]['n_images']
        np.testing.assert_allclose(r1[k]['mean'], r2[k]['mean'])
    # both processes wrote explanations: 6 image folders
    assert len(list((tmp_path/'two').glob('image_*/explanation.json'))) == 6

class Interrupt(Exception): pass

class FlakyClassifier(toyworld.RuleClassifier):
    "Fails on its n-th call, like a run killed half-way."
    def __init__(self, fail_at): super().__init__('older'); self.calls, self.fail_at = 0, fail_at
    def _logits(self, images):
        self.calls += 1
        if self.calls == self.fail_at: raise Interrupt()
        return super()._logits(images)

def _tiny_editor(cache):
    return LeditsEditor(tiny_pipeline('sd', seed=0), cache_dir=cache, num_inversion_steps=6, skip=0.0, use_masks=False, resolution=32)

def test_interrupted_run_resumes_from_cache(tmp_path):
    """A run that dies mid-search, re-run with the same cache, finishes with fewer UNet evaluations and the same result."""
    img = toyworld.draw(toyworld.sample_face(3))
    clf = toyworld.RuleClassifier('older')
    # the tiny random pipeline does not draw faces the rule classifier knows: score with a torch model on pixels instead
    from diffex.classifiers import TorchClassifier
    import torch
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 32 * 32, 2))
    mk = lambda fail_at=None: _Flaky(net, fail_at)
    kw = dict(corpus='toy', target=1, seeds=2, beam=2, depth=2, progress=False)
    full = explain(img, mk(), _tiny_editor(None), **kw)
    cache = tmp_path/'cache'
    with pytest.raises(Interrupt): explain(img, mk(fail_at=4), _tiny_editor(cache), **kw)
    ed = _tiny_editor(cache)
    resumed = explain(img, mk(), ed, **kw)
    assert 0 < resumed.cost['unet_evals'] < full.cost['unet_evals']
    assert resumed.ranking() == full.ranking()
    for p in full.effects:
        np.testing.assert_allclose(resumed.effect(p).edited, full.effect(p).edited, atol=1e-6)
    # a third run costs nothing at all
    assert explain(img, mk(), _tiny_editor(cache), **kw).cost['unet_evals'] == 0

from diffex.classifiers import TorchClassifier, Classifier
from diffex.toyworld import to_tensor

class _Flaky(TorchClassifier):
    def __init__(self, net, fail_at=None):
        super().__init__(net, to_tensor, ['a', 'b'], name='pixels')
        self.calls, self.fail_at = 0, fail_at
    def _logits(self, images):
        self.calls += 1
        if self.fail_at is not None and self.calls == self.fail_at: raise Interrupt()
        return super()._logits(images)
