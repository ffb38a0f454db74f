"""`diffex mine` on the command line: a three-level corpus from the local test server (also through the installed console
script), replay from the cache, merging, and one clear error per kind of bad argument."""
import json, os, shutil, subprocess, sys
from pathlib import Path

import pytest
from PIL import Image

from diffex.cli import main, build_parser, HANDLERS
from diffex.corpus import SemanticTree
from diffex.tiny import ScriptedChatServer, toy_responder


@pytest.fixture
def images(tmp_path):
    d = tmp_path/'imgs'; d.mkdir()
    for i, c in enumerate(['red', 'green']): Image.new('RGB', (40, 40), c).save(d/f'{i}.jpg')
    return d


@pytest.fixture(autouse=True)
def no_openai_env(monkeypatch):
    for k in ('OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_MODEL'): monkeypatch.delenv(k, raising=False)


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_mine_writes_a_valid_three_level_corpus(images, tmp_path, capsys):
    out = tmp_path/'faces.json'
    with ScriptedChatServer(['```json\n[{"name": "facial hair", "editable": false}, {"name": "eyewear", "editable": false},]\n```'],
                            responder=toy_responder) as srv:
        code, stdout, err = run(capsys, 'mine', images, '--domain', 'faces', '--depth', 3, '--out', out,
                                '--base-url', srv.url, '--model', 'scripted-vlm', '--cache-dir', tmp_path/'cache')
    assert (code, err) == (0, '')
    t = SemanticTree.load(out)                                   # loading validates the whole file
    assert t.depth == 3 and len(t.levels()[3]) > 0
    assert t['facial hair/beard/goatee'].prompt == 'goatee beard'
    assert t.provenance['source'] == 'mined' and t.provenance['backend']['base_url'] == srv.url
    assert f'wrote {out}' in stdout and 'faces: 9 leaves' in stdout


def test_mine_offline_replays_the_cache(images, tmp_path, capsys):
    args = ['mine', images, '--domain', 'faces', '--depth', 2, '--model', 'scripted-vlm', '--cache-dir', tmp_path/'cache']
    with ScriptedChatServer(responder=toy_responder) as srv:
        assert run(capsys, *args, '--base-url', srv.url, '--out', tmp_path/'a.json')[0] == 0
        url = srv.url
    code, _, err = run(capsys, *args, '--base-url', url, '--out', tmp_path/'b.json', '--offline')
    assert (code, err) == (0, '')
    a, b = (json.loads((tmp_path/f).read_text()) for f in ('a.json', 'b.json'))
    assert a['root'] == b['root']
    code, _, err = run(capsys, *args, '--base-url', url, '--out', tmp_path/'c.json', '--offline', '--depth', 3)
    assert code == 1 and 'offline, and this request is not in the cache' in err


def test_mine_merge_with_builtin(images, tmp_path, capsys):
    with ScriptedChatServer(responder=toy_responder) as srv:
        code, _, err = run(capsys, 'mine', images, '--domain', 'faces', '--depth', 2, '--out', tmp_path/'m.json', '--no-cache',
                           '--base-url', srv.url, '--model', 'm', '--merge-with', 'toy')
    assert code == 0, err
    t = SemanticTree.load(tmp_path/'m.json')
    assert t['facial hair/beard/goatee'].explicit_prompt == 'goatee'        # the toy corpus kept its prompts
    assert 'facial hair/moustache' in t and 'hair/hair colour/black' in t
    assert t.provenance['source'] == 'merge'


def test_console_script(images, tmp_path):
    exe = shutil.which('diffex', path=str(Path(sys.executable).parent)) or shutil.which('diffex')
    assert exe, 'the diffex console script is not installed (pip install -e .)'
    with ScriptedChatServer(responder=toy_responder) as srv:
        r = subprocess.run([exe, 'mine', str(images), '--domain', 'faces', '--out', str(tmp_path/'c.json'), '--no-cache',
                            '--base-url', srv.url, '--model', 'scripted-vlm'], capture_output=True, text=True, timeout=120,
                           env={**os.environ, 'OPENAI_API_KEY': ''})
    assert r.returncode == 0, r.stderr
    assert SemanticTree.load(tmp_path/'c.json').depth == 3


def bad(tmp_path, images):
    ok = ['--domain', 'faces', '--base-url', 'http://127.0.0.1:9/v1', '--model', 'm', '--no-cache']
    return {
        'missing_images_dir': (['mine', tmp_path/'nope', *ok], "images folder '{t}/nope' does not exist"),
        'images_is_a_file': (['mine', tmp_path/'file.png', *ok], "'{t}/file.png' is not a folder"),
        'no_images_in_folder': (['mine', tmp_path/'empty', *ok], "no images (.png, .jpg"),
        'unknown_builtin': (['mine', images, *ok, '--merge-with', 'cars'], "'cars' is neither a corpus file nor a built-in corpus (built-ins: architecture"),
        'bad_depth': (['mine', images, *ok, '--depth', '0'], '--depth must be at least 1, got 0'),
        'bad_n_top': (['mine', images, *ok, '--n-top', '5'], "argument --n-top: expected MIN,MAX such as 3,8, got '5'"),
        'n_top_reversed': (['mine', images, *ok, '--n-top', '9,2'], 'expected 1 <= MIN <= MAX'),
        'bad_max_images': (['mine', images, *ok, '--max-images', '0'], '--max-images must be at least 1'),
        'offline_without_cache': (['mine', images, *ok, '--offline'], '--offline replays the cache; it cannot go with --no-cache'),
        'unknown_backend': (['mine', images, *ok, '--backend', 'claude'], "argument --backend: invalid choice: 'claude'"),
        'missing_domain': (['mine', images, '--model', 'm'], 'the following arguments are required: --domain'),
        'openai_without_model': (['mine', images, '--domain', 'faces', '--base-url', 'http://127.0.0.1:9/v1'], '--backend openai needs --model'),
        'transformers_without_model': (['mine', images, '--domain', 'faces', '--backend', 'transformers'], '--backend transformers needs --model'),
        'not_an_int': (['mine', images, *ok, '--depth', 'three'], "argument --depth: invalid int value: 'three'"),
        'api_key_on_command_line': (['mine', images, *ok, '--api-key', 'sk-x'], '--api-key is not accepted'),
        'abbreviated_option': (['mine', images, *ok, '--api-key-e', 'X'], 'unrecognized arguments: --api-key-e X'),
        'unknown_option': (['mine', images, *ok, '--colour', 'red'], 'unrecognized arguments: --colour red'),
    }

BAD_KINDS = list(bad(Path('/x'), Path('/y')))

@pytest.mark.parametrize('kind', BAD_KINDS)
def test_bad_arguments(kind, tmp_path, images, capsys):
    (tmp_path/'empty').mkdir()
    (tmp_path/'file.png').write_bytes(b'x')
    argv, fragment = bad(tmp_path, images)[kind]
    code, out, err = run(capsys, *argv)
    assert code == 2, (code, err)
    assert fragment.format(t=tmp_path) in err, err
    assert 'Traceback' not in err and (len(err.strip().splitlines()) <= 3 or 'usage:' in err)
    assert 'sk-x' not in err + out


def test_no_api_key_for_openai_itself(images, tmp_path, capsys):
    code, _, err = run(capsys, 'mine', images, '--domain', 'faces', '--model', 'gpt-4o-mini', '--no-cache',
                       '--out', tmp_path/'c.json', '--api-key-env', 'DIFFEX_NO_SUCH_KEY_ENV')
    assert code == 1 and 'no API key: set the environment variable DIFFEX_NO_SUCH_KEY_ENV' in err
    assert not (tmp_path/'c.json').exists()


def test_server_down_is_a_clear_error(images, tmp_path, capsys):
    code, _, err = run(capsys, 'mine', images, '--domain', 'faces', '--model', 'm', '--no-cache', '--retries', 0,
                       '--base-url', 'http://127.0.0.1:9/v1', '--out', tmp_path/'c.json')
    assert code == 1 and 'still failing after 0 retries: APIConnectionError' in err and 'Traceback' not in err


def test_subcommands_and_help(capsys):
    code, out, err = run(capsys)
    assert code == 2 and all(c in err for c in ('mine', 'demo', 'explain'))
    assert run(capsys, '--help')[0] == 0
    p = build_parser()
    assert {'mine', 'demo', 'explain'} <= set(p._subparsers._group_actions[0].choices)
