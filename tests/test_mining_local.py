"""The local `transformers` backend end to end with a tiny randomly initialised LLaVA built in code (no download).

Its answers are garbage: these tests prove the plumbing (chat template, images, generation, decoding, loading by path)
and the error path. They take 15-30 s on a busy 2-core machine (importing transformers dominates), so they are `slow`:
run them with `NBDEV_FLAGS=slow` (`./dev slow`) or `DIFFEX_SLOW=1`.
"""
import os

import pytest
from PIL import Image

from diffex.mining import MiningError, TransformersBackend, mine_corpus, PROMPTS
from diffex.tiny import tiny_vlm

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif('slow' not in os.environ.get('NBDEV_FLAGS', '').split() and not os.environ.get('DIFFEX_SLOW'),
                                 reason='slow: set NBDEV_FLAGS=slow or DIFFEX_SLOW=1')]


@pytest.fixture(scope='module')
def model_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp('tiny-vlm')
    tiny_vlm(seed=0, path=d)
    return d


@pytest.fixture
def images(tmp_path):
    d = tmp_path/'imgs'; d.mkdir()
    for i, c in enumerate(['red', 'blue']): Image.new('RGB', (64, 48), c).save(d/f'{i}.png')
    return d


def recording(backend):
    "Record the keyword arguments of every `generate` call."
    calls, gen = [], backend.model.generate
    def generate(**kw): calls.append(kw); return gen(**kw)
    backend.model.generate = generate
    return calls


def test_local_backend_by_path(model_dir):
    b = TransformersBackend(str(model_dir), max_new_tokens=16)
    assert b.spec() == {'backend': 'transformers', 'model': str(model_dir), 'max_new_tokens': 16, 'do_sample': False}
    calls = recording(b)
    msgs = [{'role': 'system', 'content': PROMPTS['system']}, {'role': 'user', 'content': 'list the hair'}]
    a1 = b.chat(msgs, [Image.new('RGB', (300, 200), 'red'), Image.new('RGB', (20, 20), 'blue')])
    a2 = b.chat(msgs, [Image.new('RGB', (300, 200), 'red'), Image.new('RGB', (20, 20), 'blue')])
    assert isinstance(a1, str) and a1 and a1 == a2                    # greedy decoding: reproducible
    assert tuple(calls[0]['pixel_values'].shape) == (2, 3, 16, 16)     # both images reached the vision tower
    ids = calls[0]['input_ids'][0].tolist()
    assert ids.count(4) == 2 * 4        # two images, 4 patches each ('default' feature strategy drops the class token)
    text = b.processor.decode(calls[0]['input_ids'][0])
    assert text.startswith('system') and 'assistant' in text           # the chat template was applied
    assert b.chat([{'role': 'user', 'content': 'no images'}])            # text-only requests work too


def test_local_garbage_is_a_clear_error(model_dir, images):
    b = TransformersBackend(str(model_dir), max_new_tokens=24)
    calls = recording(b)
    with pytest.raises(MiningError) as e:
        mine_corpus(images, 'faces', b, depth=2)
    msg = str(e.value)
    assert "<top level>: the model's answers could not be used, even after asking it to repair its answer" in msg
    assert 'first answer (' in msg and 'second answer (' in msg
    assert len(calls) == 2 and all('pixel_values' in c for c in calls)     # the repair round re-sent the images


def test_cli_with_the_local_backend(model_dir, images, tmp_path, capsys):
    from diffex.cli import main
    out = tmp_path/'c.json'
    code = main(['mine', str(images), '--domain', 'faces', '--backend', 'transformers', '--model', str(model_dir),
                 '--out', str(out), '--max-tokens', '16', '--cache-dir', str(tmp_path/'cache')])
    err = capsys.readouterr().err
    assert code == 1 and "diffex mine: <top level>: the model's answers could not be used" in err
    assert not out.exists()
    assert len(list((tmp_path/'cache').rglob('*.json'))) == 2            # both garbage answers were cached


def test_local_model_that_does_not_exist(tmp_path):
    with pytest.raises(MiningError, match='cannot load the local model'):
        TransformersBackend(str(tmp_path/'no-model'))
