"""The `diffex explain` and `diffex demo` front door (issues 30, 32, 33): editors by name, what the ranking prints,
Ctrl-C, consoles that are not UTF-8, and the smaller rough edges. Each test runs the command line in-process (or as a
subprocess where the console itself is under test)."""
import os, subprocess, sys
from pathlib import Path
from unittest.mock import patch

import pytest
from PIL import Image

from diffex import editing
from diffex.cli import main, load_editor, UsageError


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def explain_args(tmp_path):
    Image.new('RGB', (32, 32), 'white').save(tmp_path/'ok.png')
    return ['explain', '--classifier', 'toy:older', '--corpus', 'toy', '--target', 'older', '--quiet',
            '--image', tmp_path/'ok.png', '--out', tmp_path/'out']


# --- editors by name (issue 30) ---

@pytest.mark.parametrize('name, demo', [('oracle', 'toy-oracle'), ('toy-oracle', 'toy-oracle'),
                                        ('toy-oracle-noisy', 'toy-oracle-noisy')])
def test_oracle_outside_the_toy_demo_is_one_clear_line(capsys, explain_args, name, demo):
    code, out, err = run(capsys, *explain_args, '--editor', name)
    assert code == 2 and err.count('\n') == 1, err
    assert 'exists only in the toy world' in err and f'use `diffex demo --editor {demo}`' in err, err
    assert 'model_index.json' not in err and 'huggingface' not in err.lower()


def test_unknown_editor_lists_the_known_ones(capsys, explain_args):
    code, out, err = run(capsys, *explain_args, '--editor', 'sdxl-turbo')
    assert code == 2 and err.count('\n') == 1, err
    assert "no editor named 'sdxl-turbo'" in err
    for name in editing.editors(): assert name in err, (name, err)


def test_named_editor_needs_or_refuses_a_model(capsys, explain_args, tmp_path):
    code, _, err = run(capsys, *explain_args, '--editor', 'ledits')
    assert code == 2 and '--editor ledits needs --editor-model PATH' in err, err
    code, _, err = run(capsys, *explain_args, '--editor', 'ledits', '--editor-model', tmp_path/'nope')
    assert code == 2 and f"--editor-model '{tmp_path}/nope': no such folder" in err, err
    code, _, err = run(capsys, *explain_args, '--editor', './nope')
    assert code == 2 and "--editor './nope': no such folder" in err, err
    with pytest.raises(UsageError, match='takes no --editor-model'): _refuse_model_for_modelless()


def _refuse_model_for_modelless():
    "An editor registered with model='none' refuses --editor-model."
    editing.register_editor('h8-none', 'diffex.toyworld:OracleEditor', 'test editor without a model', model='none')
    try: load_editor('h8-none', None, model='./somewhere')
    finally: editing.EDITORS.pop('h8-none', None)


def test_editor_by_name_and_by_path_go_through_make_editor(tmp_path):
    seen = []
    def fake(name, model=None, **settings): seen.append((name, model, settings)); return 'editor'
    ckpt = tmp_path/'sd15'; ckpt.mkdir()
    with patch.object(editing, 'make_editor', fake):
        assert load_editor(str(ckpt), tmp_path/'c', device='cpu') == 'editor'          # a path: LEDITS++ on it
        load_editor('instruct', None, device='cpu', fp16=True, model='org/ip2p')         # a name with its model
        load_editor('org/sd-turbo', None)                                                # a hub id: LEDITS++
    import torch
    assert seen[0] == ('ledits', str(ckpt), dict(cache_dir=tmp_path/'c', device='cpu', torch_dtype=None))
    assert seen[1] == ('instruct', 'org/ip2p', dict(cache_dir=None, device='cpu', torch_dtype=torch.float16))
    assert seen[2][:2] == ('ledits', 'org/sd-turbo')
    with pytest.raises(UsageError, match='goes with an editor name'): load_editor(str(ckpt), None, model='x/y')


def test_toy_editor_by_name_is_the_toy_worlds_ledits(tmp_path):
    ed = load_editor('toy', tmp_path/'cache')
    assert type(ed).__name__ == 'LeditsEditor' and ed.strength.name == 'edit_guidance_scale'


def test_explain_with_the_toy_instruction_editor_by_name(capsys, tmp_path, monkeypatch):
    "--editor toy-instruct on a toy face: the toy probes verify its edits by default, as for --editor toy."
    from diffex import toyinstruct, toyworld
    from diffex.explanation import Explanation
    monkeypatch.setitem(toyinstruct.TOY_INSTRUCT, 'num_inference_steps', 2)     # few steps: the wiring, not quality
    toyworld.draw(toyworld.sample_face(3)).save(tmp_path/'face.png')
    code, out, err = run(capsys, 'explain', '--image', tmp_path/'face.png', '--classifier', 'toy:older', '--corpus', 'toy',
                         '--target', 'older', '--editor', 'toy-instruct', '--seeds', 1, '--depth', 1, '--quiet',
                         '--cache-dir', 'none', '--out', tmp_path/'out')
    assert code == 0, err
    ex = Explanation.load(tmp_path/'out'/'explanation')
    assert ex.models['verifier'] == 'toy-probes' and 'instruct' in ex.models['editor'], ex.models
    verified = [v for effs in ex.effects.values() for e in effs.values() for v in e.verified]
    assert verified and any(v is not None for v in verified), verified        # the probes read its edits


# --- the demo's editors (issue 31) ---

def _no_model(*a, **k): pytest.fail('a model was loaded before the check')

def test_the_demo_offers_the_toy_worlds_editors():
    from diffex.cli import demo_editors
    names = demo_editors()
    assert {'toy', 'toy-instruct', 'toy-oracle', 'toy-oracle-noisy'} <= set(names), names
    assert not {'ledits', 'instruct', 'blur'} & set(names), names        # no real checkpoint, no hash-of-prompt edits


@pytest.mark.parametrize('args, want', [
    (['--editor', 'toyy'], "no editor named 'toyy' in the demo; the demo's editors: "),
    (['--editor', './sd15'], "no editor named './sd15' in the demo; the demo's editors: "),
    (['--editor', 'blur'], "--editor blur does not draw the toy corpus on toy faces (run it with `diffex explain`); "
                           "the demo's editors: "),
    (['--editor', 'ledits', '--editor-model', 'org/sd15'], '--editor ledits does not draw the toy corpus'),
    (['--oracle', '--editor', 'toy'], '--oracle means --editor toy-oracle; it cannot go with --editor toy'),
    (['--oracle', '--editor', 'toy-instruct'], 'it cannot go with --editor toy-instruct'),
    (['--editor', 'toy-oracle', '--editor-model', 'x'], '--editor toy-oracle takes no --editor-model'),
    (['--oracle', '--editor-model', 'x'], '--editor toy-oracle takes no --editor-model'),
    (['--editor', 'toy-instruct', '--editor-model', 'no-such-model'], "--editor-model 'no-such-model': no such folder"),
    (['--editor', 'toy', '--editor-model', 'no/such'], "--editor-model 'no/such': no such folder"),
])
def test_demo_editor_mistakes_are_one_line_before_any_model_loads(capsys, tmp_path, args, want):
    from diffex.cli import demo_editors
    with patch('diffex.cli._demo_setup', _no_model), patch('diffex.editing.make_editor', _no_model):
        code, out, err = run(capsys, 'demo', '--out', tmp_path/'d', *args)
    assert code == 2 and err.count('\n') == 1 and out == '', (args, err)
    assert err.startswith('diffex demo: error: ') and want in err, (args, err)
    if "the demo's editors" in want: assert err.rstrip().endswith(', '.join(demo_editors())), err
    assert not (tmp_path/'d').exists()


def test_demo_editor_default_and_the_oracle_alias(capsys, tmp_path):
    "Without --editor the demo runs LEDITS++ ('toy'); --oracle is --editor toy-oracle; the setup gets what was chosen."
    from diffex.cli import build_parser, demo_editor, DEMO_EDITOR
    p = build_parser()
    choice = lambda *a: demo_editor(p.parse_args(['demo', *map(str, a)]))
    assert DEMO_EDITOR == 'toy' and choice() == ('toy', None)
    assert choice('--oracle') == choice('--editor', 'toy-oracle') == choice('--oracle', '--editor', 'toy-oracle')
    assert choice('--oracle') == ('toy-oracle', None)
    assert choice('--editor', 'toy-instruct', '--editor-model', tmp_path) == ('toy-instruct', str(tmp_path))
    seen = []
    def setup(opts): seen.append(opts); raise KeyboardInterrupt          # stop where the models would load
    with patch('diffex.cli._demo_setup', setup):
        for args in ([], ['--oracle'], ['--editor', 'toy-oracle-noisy', '--verifier', 'none'],
                     ['--editor', 'toy-instruct', '--editor-model', tmp_path]):
            assert run(capsys, 'demo', '--processes', 1, '--out', tmp_path/'d', *args)[0] == 130, args
    assert [(o['editor'], o['editor_model'], o['verifier']) for o in seen] == [
        ('toy', None, 'toy-probes'), ('toy-oracle', None, 'toy-probes'), ('toy-oracle-noisy', None, 'none'),
        ('toy-instruct', str(tmp_path), 'toy-probes')]


def test_demo_with_the_editor_named_is_the_oracle_alias(capsys, tmp_path):
    "--editor toy-oracle runs what --oracle runs; the header and the report's front page name the editor."
    import re
    outs = {}
    for flag in (['--editor', 'toy-oracle'], ['--oracle']):
        d = tmp_path/flag[-1]
        code, out, err = run(capsys, 'demo', *flag, '--images', 1, '--seeds', 1, '--depth', 1, '--processes', 1,
                             '--quiet', '--out', d)
        assert code == 0, err
        assert '  editor: toy-oracle; verifier: toy-probes; ' in out, out
        assert 'editor toy-oracle</h1>' in (d/'index.html').read_text()
        outs[flag[-1]] = re.sub(r'[\d.]+ s\b', 'S s', out.replace(str(d), 'OUT'))
    assert outs['toy-oracle'] == outs['--oracle']


def test_demo_with_the_toy_instruction_editor_in_two_processes(capsys, tmp_path, monkeypatch):
    """--editor toy-instruct with --processes 2: the forked workers edit with the instruction model that the demo's
    process read (2 denoising steps: the wiring, not quality; about 20 s on one core)."""
    from diffex import toyinstruct
    from diffex.explanation import Explanation
    monkeypatch.setitem(toyinstruct.TOY_INSTRUCT, 'num_inference_steps', 2)
    code, out, err = run(capsys, 'demo', '--editor', 'toy-instruct', '--images', 2, '--processes', 2, '--seeds', 1,
                         '--depth', 1, '--quiet', '--cache-dir', 'none', '--out', tmp_path/'d')
    assert code == 0, err
    assert '  editor: toy-instruct (instruct-' in out and '; 2 processes with one torch thread each' in out, out
    for i in range(2):
        ex = Explanation.load(tmp_path/'d'/f'image_{i:02d}')
        assert ex.models['editor'].startswith('instruct-') and ex.models['verifier'] == 'toy-probes', ex.models
        assert ex.info.editor_params['num_inference_steps'] == 2 and ex.cost['unet_evals'] > 0, (ex.info, ex.cost)
    assert 'editor toy-instruct</h1>' in (tmp_path/'d'/'index.html').read_text()


def test_spawned_demo_workers_build_the_named_editor_themselves(capsys, tmp_path):
    "Where workers are spawned, not forked (macOS, Windows), each builds the editor --editor names from the job's options."
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from diffex import cli
    from diffex.explanation import Explanation
    spawned = lambda n: ProcessPoolExecutor(n, mp_context=mp.get_context('spawn'), initializer=cli._quiet_worker)
    with patch('diffex.cli._demo_pool', spawned):
        code, out, err = run(capsys, 'demo', '--editor', 'toy-oracle-noisy', '--images', 2, '--processes', 2,
                             '--seeds', 1, '--depth', 1, '--quiet', '--out', tmp_path/'d')
    assert code == 0, err
    assert '  editor: toy-oracle-noisy; ' in out and '2 processes' in out, out
    assert [Explanation.load(tmp_path/'d'/f'image_{i:02d}').models['editor'] for i in range(2)] == ['toy-oracle-noisy'] * 2


# --- verifiers by name (issue 30) ---

def test_unknown_verifier_lists_the_known_ones(capsys, explain_args):
    from diffex.verifiers import verifiers
    code, out, err = run(capsys, *explain_args, '--editor', 'toy', '--verifier', 'clipp')
    assert code == 2 and err.count('\n') == 1, err
    assert "no verifier named 'clipp'; known verifiers: " in err and err.rstrip().endswith(', or none'), err
    for name in verifiers(): assert name in err, (name, err)


@pytest.mark.parametrize('editor', [['--editor', 'ledits', '--editor-model', 'org/sd15'], ['--editor', 'org/sd15']])
def test_toy_probes_outside_the_toy_world_is_one_clear_line(capsys, explain_args, editor):
    with patch('diffex.cli.load_editor', lambda *a, **k: pytest.fail('an editor was loaded before the check')):
        code, out, err = run(capsys, *explain_args, *editor, '--verifier', 'toy-probes')
    assert code == 2 and err.count('\n') == 1, err
    assert "--verifier toy-probes reads only the toy world's faces" in err and '--verifier clip' in err, err


def test_verifier_model_is_needed_or_refused(capsys, explain_args, tmp_path):
    for args, want in [(['--verifier', 'clip'], '--verifier clip needs --verifier-model PATH'),
                       (['--verifier-model', 'org/clip'], '--verifier-model goes with --verifier NAME'),
                       (['--verifier', 'none', '--verifier-model', 'org/clip'], '--verifier-model goes with'),
                       (['--verifier', 'clip', '--verifier-model', tmp_path/'nope'], f"'{tmp_path}/nope': no such folder")]:
        with patch('diffex.cli.load_classifier', lambda *a, **k: pytest.fail('a model was loaded before the check')):
            code, out, err = run(capsys, *explain_args, '--editor', 'toy', *args)
        assert code == 2 and want in err and err.count('\n') == 1, (args, err)


def test_default_verifier_follows_the_editor():
    from diffex.cli import load_verifier
    assert type(load_verifier(None, editor='toy')).__name__ == 'ProbeVerifier'     # as before: the toy editor's probes
    assert load_verifier(None, editor='ledits') is None and load_verifier('none', editor='toy') is None
    assert load_verifier('toy-probes', editor='toy').name == 'toy-probes'


def test_explain_with_a_clip_verifier_by_name(capsys, tmp_path):
    "A CLIP folder given by --verifier-model verifies every edit of a run; the saved explanation names it."
    from diffex.explanation import Explanation
    from diffex.corpus import SemanticNode as N, SemanticTree
    from diffex.tiny import TinyTintEditor, tiny_clip
    SemanticTree(N('colours', [N('warm', [N('red'), N('orange')]), N('cool', [N('blue')])], editable=False),
                 'tiny').save(tmp_path/'tiny.json')
    m, proc = tiny_clip(words=('red', 'orange', 'warm', 'blue', 'cool'))
    m.save_pretrained(tmp_path/'clip'); proc.save_pretrained(tmp_path/'clip')
    Image.new('RGB', (32, 32), (120, 110, 100)).save(tmp_path/'x.png')
    editing.register_editor('h30-tint', TinyTintEditor, 'test editor', model='none')
    try:
        code, out, err = run(capsys, 'explain', '--image', tmp_path/'x.png', '--classifier', 'toy:older',
                             '--target', 'older', '--corpus', tmp_path/'tiny.json', '--editor', 'h30-tint',
                             '--verifier', 'clip', '--verifier-model', tmp_path/'clip', '--device', 'cpu',
                             '--seeds', 1, '--depth', 1, '--quiet', '--cache-dir', 'none', '--out', tmp_path/'out')
    finally: editing.EDITORS.pop('h30-tint', None)
    assert code == 0, err
    ex = Explanation.load(tmp_path/'out'/'explanation')
    assert ex.models['verifier'] == f'clip-verifier:{tmp_path/"clip"}', ex.models
    verified = [v for effs in ex.effects.values() for e in effs.values() for v in e.verified]
    assert verified and all(v in (True, False) for v in verified), verified     # CLIP read every edit
    assert (tmp_path/'out'/'index.html').is_file() and (tmp_path/'out'/'explanation'/'report'/'index.html').is_file()


# --- what the ranking prints (issue 33) ---

def _rows(out: str) -> list:
    "The printed ranking rows: (rank or None, path, star, adjusted text, raw text)."
    import re
    rx = re.compile(r'^  (?: ?(\d+)\.|   ) (.{38}) ([* ]) adjusted (.+?) +raw (.+?)(?:  <- true cause)?$')
    return [m.groups() for m in map(rx.match, out.splitlines()) if m]


def test_demo_prints_what_it_ranks_by_on_the_exact_oracle(capsys, tmp_path):
    from diffex.explanation import Explanation
    code, out, err = run(capsys, 'demo', '--oracle', '--images', 1, '--quiet', '--out', tmp_path/'d')
    assert code == 0, err
    ex = Explanation.load(tmp_path/'d'/'image_00')
    assert f'original {ex.original_score:+.2f}, null edit ' in out
    assert 'ranked by the effect adjusted for side effects' in out and '* significant at a false-discovery rate' in out
    rows = _rows(out)
    want = [(p, d) for p, effs in ex.top(8) for d in effs]
    assert len(rows) == len(want) == 8, out
    sig = set(ex.significant())
    assert sig, 'the exact oracle finds the true causes significant'
    for (rank, name, star, adj, raw), (p, d) in zip(rows, want):
        a, e = ex.assessed[p][d], ex.effects[p][d]
        assert name.strip() == p and adj == a.format(2) and raw == e.format(2, ex.n_seeds, verified=True), (name, adj, raw)
        assert (star == '*') == (p in sig), (p, star)
    assert ex.models['verifier'] == 'toy-probes' and '; verifier: toy-probes; ' in out   # the demo's default
    adjusted = [abs(ex.assessed[p][d].mean) for p, d in want]
    assert adjusted == sorted(adjusted, reverse=True)           # the printed order is the order of the adjusted column
    last = out.rstrip('\n').splitlines()[-1]
    assert last.endswith(str((tmp_path/'d'/'index.html').absolute())) and (tmp_path/'d'/'index.html').is_file(), last


def test_demo_takes_a_verifier_by_name(capsys, tmp_path):
    "--verifier none: the demo's edits go unverified; a wrong --verifier is one line before any model loads."
    from diffex.explanation import Explanation
    code, out, err = run(capsys, 'demo', '--oracle', '--images', 1, '--seeds', 1, '--depth', 1, '--verifier', 'none',
                         '--quiet', '--out', tmp_path/'d')
    assert code == 0, err
    ex = Explanation.load(tmp_path/'d'/'image_00')
    verified = [v for effs in ex.effects.values() for e in effs.values() for v in e.verified]
    assert ex.models['verifier'] is None and verified and set(verified) == {None}, (ex.models, verified)
    assert '; verifier: none; ' in out, out
    for args, want in [(['--verifier', 'clipp'], "no verifier named 'clipp'; known verifiers: "),
                       (['--verifier', 'clip'], '--verifier clip needs --verifier-model PATH'),
                       (['--verifier-model', 'org/clip'], '--verifier-model goes with --verifier NAME'),
                       (['--verifier', 'toy-probes', '--verifier-model', tmp_path/'nope'], 'nope\': no such folder')]:
        with patch('diffex.cli._demo_setup', lambda *a: pytest.fail('a model was loaded before the check')):
            code, out, err = run(capsys, 'demo', '--oracle', '--out', tmp_path/'e', *args)
        assert code == 2 and want in err and err.count('\n') == 1, (args, err)


def test_ranking_prints_side_effects_and_directions():
    import io
    from diffex import toyworld
    from diffex.cli import print_ranking
    from diffex.explain import explain
    w = toyworld.load(diffusion=False)
    face = toyworld.Face('brown', 'short', 'none', 'none', 'none', 'none', 'neutral', 'light', 'blue')
    ex = explain(toyworld.draw(face), w.classifier('older'), toyworld.NoisyOracleEditor(side_effect=0.6), w.corpus,
                 'older', seeds=3, directions=('add', 'remove'), verifier=w.verifier(), progress=False)
    buf = io.StringIO(); print_ranking(ex, k=5, file=buf); out = buf.getvalue()
    rows = _rows(out)
    want = [(p, d) for p, effs in ex.top(5) for d in effs]
    assert len(rows) == len(want) and all(f'({d})' in r[1] for r, (_, d) in zip(rows, want)), out
    also = [ex.assessed[p][d].also_changed() for p, d in want if ex.assessed[p][d].side_effects]
    assert also and all(f'        {s}\n' in out for s in also), out
    below = [p for p in ex.significant() if p not in dict(ex.top(5))]
    assert (f'also significant, below the top 5: {", ".join(below)}' in out) == bool(below)


# --- rough edges (issues 32, 33) ---

def test_ctrl_c_is_one_line_and_exit_130(capsys, explain_args):
    def interrupted(*a, **k): raise KeyboardInterrupt
    with patch('diffex.cli.load_editor', interrupted):
        code, out, err = run(capsys, *explain_args, '--editor', 'toy')
    assert (code, err) == (130, 'diffex explain: interrupted; rerun to resume from the cache\n'), err
    with patch('diffex.cli._demo_face', interrupted):
        code, out, err = run(capsys, 'demo', '--oracle', '--images', 1, '--processes', 1, '--quiet',
                             '--out', explain_args[-1])
    assert (code, err) == (130, 'diffex demo: interrupted; rerun to resume from the cache\n'), err


def test_a_console_that_is_not_utf8_never_kills_a_finished_run(tmp_path):
    "A non-ASCII, escape-carrying output folder printed to an ascii console: the run ends 0, the name escaped."
    out = tmp_path/'résumé\x1b[31m'
    r = subprocess.run([sys.executable, '-c', 'import sys; from diffex.cli import main; sys.exit(main(sys.argv[1:]))',
                        'demo', '--oracle', '--images', '1', '--quiet', '--processes', '1', '--out', str(out)],
                       capture_output=True, timeout=600, env={**os.environ, 'PYTHONIOENCODING': 'ascii',
                                                               'OMP_NUM_THREADS': '1'})
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    stdout = r.stdout.decode('ascii')                      # all of it is ascii
    assert b'\x1b' not in r.stdout and 'r\\xe9sum\\xe9\\x1b[31m' in stdout, stdout[-500:]
    assert stdout.rstrip().endswith('r\\xe9sum\\xe9\\x1b[31m/index.html') and (out/'index.html').is_file()


def test_error_messages_escape_names(capsys, tmp_path):
    code, out, err = run(capsys, 'explain', '--classifier', 'toy:older', '--corpus', 'toy', '--target', 'older',
                         '--editor', 'toy', '--image', tmp_path/'a\x1b[2Jb.png')
    assert code == 2 and '\x1b' not in err and '\\x1b[2Jb.png' in err, err


def test_adapt_help_is_whole_and_explain_has_a_default_out():
    from diffex.cli import build_parser
    from diffex.search import SearchConfig
    helps = SearchConfig.field_help()
    assert helps['adapt'].endswith('(adaptive seeds, see settle_ranking); None: 0'), helps['adapt']
    for k, h in helps.items(): assert h.count('(') == h.count(')'), (k, h)     # no help stops mid-parenthesis
    a = build_parser().parse_args(['explain', '--image', 'x.png', '--classifier', 'toy:older', '--target', 'older',
                                   '--editor', 'toy', '--corpus', 'toy'])
    assert a.out == Path('diffex-explain')


def _two_output_onnx(path):
    "An ONNX model with two outputs: 'embedding' (the channel means) and 'logits' (their negation)."
    from onnx import helper, TensorProto
    g = helper.make_graph([helper.make_node('ReduceMean', ['image', 'axes'], ['embedding'], keepdims=0),
                           helper.make_node('Neg', ['embedding'], ['logits'])], 'two_outputs',
                          [helper.make_tensor_value_info('image', TensorProto.FLOAT, ['n', 3, 8, 8])],
                          [helper.make_tensor_value_info('embedding', TensorProto.FLOAT, ['n', 3]),
                           helper.make_tensor_value_info('logits', TensorProto.FLOAT, ['n', 3])],
                          initializer=[helper.make_tensor('axes', TensorProto.INT64, [2], [2, 3])])
    path.write_bytes(helper.make_model(g, opset_imports=[helper.make_opsetid('', 18)], ir_version=8).SerializeToString())


@pytest.mark.parametrize('output', ['logits', '1'])
def test_onnx_output_chooses_the_scores(tmp_path, output):
    import numpy as np
    from diffex.cli import build_parser, onnx_settings, load_classifier
    _two_output_onnx(tmp_path/'m.onnx')
    args = build_parser().parse_args(['explain', '--image', 'x.png', '--classifier', str(tmp_path/'m.onnx'),
                                      '--target', 'red', '--editor', 'toy', '--corpus', 'toy', '--onnx-size', '8',
                                      '--labels', 'red,green,blue', '--onnx-output', output])
    s = onnx_settings(args)
    assert s['output'] == (1 if output == '1' else 'logits')
    clf = load_classifier(str(tmp_path/'m.onnx'), 'red,green,blue', onnx=s)
    np.testing.assert_allclose(np.asarray(clf.logits([Image.new('RGB', (8, 8), (255, 0, 0))]))[0], [-1, 0, 0], atol=1e-6)


def test_mine_ends_with_a_line_about_a_cut_off_answer(capsys, tmp_path, monkeypatch):
    from diffex.tiny import ScriptedChatServer, toy_responder
    monkeypatch.setenv('OPENAI_API_KEY', 'sk-x')
    d = tmp_path/'imgs'; d.mkdir(); Image.new('RGB', (32, 32), 'red').save(d/'a.png')
    cut = '[{"name": "facial hair", "description": "beards"}, {"name": "eyew'
    with ScriptedChatServer([cut], responder=toy_responder) as srv:
        code, out, err = run(capsys, 'mine', d, '--domain', 'faces', '--depth', 1, '--out', tmp_path/'c.json',
                             '--base-url', srv.url, '--model', 'm', '--no-cache')
    assert code == 0, err
    assert out.rstrip('\n').splitlines()[-1] == ('note: 1 answer cut off and repaired to the items before the cut '
                                                 '(<top level>): the corpus may be incomplete; raise --max-tokens and '
                                                 'mine again'), out
    with ScriptedChatServer(responder=toy_responder) as srv:                 # a whole answer: no such line
        code, out, err = run(capsys, 'mine', d, '--domain', 'faces', '--depth', 1, '--out', tmp_path/'c.json',
                             '--base-url', srv.url, '--model', 'm', '--no-cache')
    assert code == 0 and 'cut off' not in out, out


@pytest.mark.parametrize('delay', [0.0, 0.5])
def test_a_real_ctrl_c_with_demo_workers_is_one_line(tmp_path, delay):
    """SIGINT to the whole foreground group, as a terminal sends it: the workers leave quietly, the demo says one line.
    Delay 0: the Ctrl-C comes while the workers start (before the fix, a worker died in the fork with a traceback
    and the demo exited 0)."""
    import signal, time
    out = tmp_path/'demo'
    p = subprocess.Popen([sys.executable, '-c', 'import sys; from diffex.cli import main; sys.exit(main(sys.argv[1:]))',
                          'demo', '--oracle', '--images', '2', '--processes', '2', '--seeds', '8', '--out', str(out),
                          '--cache-dir', 'none'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                         env={**os.environ, 'OMP_NUM_THREADS': '1'})
    t0 = time.time()
    while not out.exists() and time.time() - t0 < 120: time.sleep(0.01)  # the workers are about to start
    time.sleep(delay)                              # 0.5 s: they have started (8 seeds keep them busy for seconds)
    os.killpg(p.pid, signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert (p.returncode, err.decode()) == (130, 'diffex demo: interrupted; rerun to resume from the cache\n'), err


def test_a_worker_that_leaves_at_ctrl_c_says_so():
    """A demo worker hit by Ctrl-C exits 130 and sets the pool's shared flag, so that the demo's process, if the broken
    pool reaches it before its own Ctrl-C does, still ends with the one line (exit 130), not a BrokenProcessPool."""
    import multiprocessing as mp, signal, time
    from diffex.cli import _demo_pool, _quiet_worker
    ctx = mp.get_context('fork')
    flag = ctx.RawValue('b', 0)
    p = ctx.Process(target=lambda: (_quiet_worker(flag), time.sleep(60)))
    p.start(); time.sleep(0.5)
    os.kill(p.pid, signal.SIGINT); p.join(30)
    assert (p.exitcode, flag.value) == (130, 1)
    pool = _demo_pool(2)
    try: assert pool.interrupted.value == 0
    finally: pool.shutdown()
