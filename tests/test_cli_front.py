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

@pytest.mark.parametrize('name', ['oracle', 'toy-oracle', 'toy-oracle-noisy'])
def test_oracle_outside_the_toy_demo_is_one_clear_line(capsys, explain_args, name):
    code, out, err = run(capsys, *explain_args, '--editor', name)
    assert code == 2 and err.count('\n') == 1, err
    assert 'exists only in the toy world' in err and 'diffex demo --oracle' in err, err
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
    adjusted = [abs(ex.assessed[p][d].mean) for p, d in want]
    assert adjusted == sorted(adjusted, reverse=True)           # the printed order is the order of the adjusted column
    last = out.rstrip('\n').splitlines()[-1]
    assert last.endswith(str((tmp_path/'d'/'index.html').absolute())) and (tmp_path/'d'/'index.html').is_file(), last


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
