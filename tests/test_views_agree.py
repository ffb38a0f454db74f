"""The views agree with the numbers: every path `Explanation.significant()` returns is shown, with the numbers that made
it significant (effect and interval, the effect adjusted for side effects, q), by the notebook view (`_repr_html_`), the
report (`to_html`) and the explorer (`explore`); each shows how many edits were verified and how many were clean, with
the same counts; and no view runs a name as HTML.

The explanations are real runs: the golden runs' saved explanations (`tests/golden/<run>/saved`, made by the toy
world's diffusion editor and oracle with the toy verifier), read in well under a second each, and a run of the
`diffex.tiny` tint editor on a corpus of hostile names.
"""
import math, re
from pathlib import Path
import numpy as np
import pytest
from markupsafe import escape

GOLDEN = Path(__file__).parent/'golden'
RUNS = ['toy_isolate', 'oracle_probe', 'oracle_both_noiso', 'oracle_rule_up', 'toy_screen']

def _load(name):
    from diffex.explanation import Explanation
    return Explanation.load(GOLDEN/name/'saved')

def _numbers(ex, path, d, label: bool = False) -> list[str]:
    "The texts that made (path, d) significant, as every view must show them (`label`: the interval named '95% CI')."
    a = ex.assessed[path][d]
    out = [ex.effects[path][d].format(3, ex.n_seeds, label=label), f'q = {a.q:.2g}', ex.test_text(path, d)]
    if a.adjusted_for and a.side_effects: out.append(a.format(3))         # the adjusted effect with its interval
    return [str(escape(s)) for s in out]

def _repr_row(page: str, path: str, d: str) -> str:
    m = re.search(rf'<tr class="dx-row" data-path="{re.escape(str(escape(path)))}" data-direction="{d}">(.*?)</tr>',
                  page, flags=re.S)
    assert m, f'the notebook view has no row for {path!r} ({d})'
    return m.group(1)

def _report_parts(page: str, path: str) -> tuple[str, str]:
    "The ranked-list item and the tree node's own body (its directions, not its children) of `path` in the report."
    p = re.escape(str(escape(path)))
    li = re.search(rf'<li><b>{p}</b>: (.*?)</li>', page, flags=re.S)
    node = re.search(rf'<details class="dx-node[^"]*" data-path="{p}"[^>]*><summary>(.*?)</summary>(.*?)'
                     r'(?:<div class="dx-kids">|</details>)', page, flags=re.S)
    assert node, f'the report has no tree node {path!r}'
    return li.group(1) if li else '', node.group(1) + node.group(2)

def _explorer_info(x, path: str, d: str) -> str:
    if x.dir_pick.value != d: x.dir_pick.value = d
    x.tree.selected = path
    return x.info.value

@pytest.mark.parametrize('name', RUNS)
def test_significant_paths_shown_with_their_numbers(name, tmp_path):
    from diffex.widgets import explore
    ex = _load(name)
    sig = ex.significant()
    for p in sig: assert any(a.significant for d, a in ex.assessed[p].items() if d in ex.config.directions), p
    views = dict(repr=ex._repr_html_(), repr_k1=ex._repr_html_(k=1),
                 report=ex.to_html(tmp_path/'r').read_text(encoding='utf-8'))
    x = explore(ex)
    for p in sig:
        for d, a in ex.assessed[p].items():
            if not a.significant: continue
            want = _numbers(ex, p, d)
            for v in ('repr', 'repr_k1'):      # k=1: a significant path beyond the top is still shown
                row = _repr_row(views[v], p, d)
                assert 'title="significant at the false-discovery rate">*' in row, (v, p)
                for s in want: assert s in row, (v, p, d, s, row[:800])
            li, node = _report_parts(views['report'], p)
            assert li, f'the report does not list the significant {p!r}'
            for s in want: assert s in li and s in node, ('report', p, d, s)
            assert 'class="dx-sig"' in li and 'class="dx-sig"' in node
            info = _explorer_info(x, p, d)
            for s in _numbers(ex, p, d, label=True): assert s in info, ('explorer', p, d, s, info[:800])
            assert {n['p']: n for n in x.tree.nodes}[p].get('q') is True            # the tree's star

def test_isolation_edits_adjust_and_are_no_discoveries():
    "An edit in a direction the run did not ask for (made to isolate a side effect) has no q and makes no discovery."
    ex = _load('toy_isolate')
    iso = [(p, d) for p, by in ex.assessed.items() for d in by if d not in ex.config.directions]
    assert iso, 'toy_isolate has an isolation edit in the other direction'
    from diffex.report import report_html
    from diffex.faithful import bh_qvalues
    for p, d in iso:
        a = ex.assessed[p][d]
        assert a.p is not None and a.q is None and a.significant is None, (p, d)
        assert ex.test_text(p, d) == 'isolation edit: adjusts the other effects, not tested'
    # the family: exactly the tested effects in the directions asked for
    fam = {(p, d): a.p for p, by in ex.assessed.items() for d, a in by.items()
           if d in ex.config.directions and a.p is not None}
    for k, q in bh_qvalues(fam).items(): assert math.isclose(ex.assessed[k[0]][k[1]].q, q), k
    # the views show isolation edits as such: the report's node, the repr's row, the explorer's extra direction
    from diffex.widgets import explore
    x = explore(ex)
    p, d = iso[0]
    assert (f'{d} (isolation edits)', d) in x.dir_pick.options
    x.dir_pick.value = d; x.tree.selected = p
    assert 'isolation edit: adjusts the other effects, not tested' in x.info.value
    node = _report_parts(report_html(ex, figures={}), p)[1]
    assert '(isolation edit: adjusts the other effects, not tested)' in node
    # made significant by hand, the isolation edit still makes no discovery
    from diffex.explanation import Explanation
    p, d = iso[0]
    e = ex.effects[p][d]
    e.edited = [b + 5.0 + 0.01 * i for i, b in enumerate(e.base)]
    ex.__dict__.pop('_assessed', None)
    assert ex.assessed[p][d].p < 1e-3 and ex.assessed[p][d].significant is None
    assert (p in ex.significant()) == any(a.significant for k, a in ex.assessed[p].items() if k != d)
    assert isinstance(ex, Explanation)

def _clean_by_hand(e) -> tuple[int, int]:
    "(clean, observed) counted from the per-seed changes, independently of `edit_counts`."
    seen = [i for i in range(len(e.seeds)) if e.changes is not None and e.changes[i] is not None]
    clean = [i for i in seen if all(not v or k in e.own[i] for k, v in e.changes[i].items())]
    return len(clean), len(seen)

@pytest.mark.parametrize('name', ['toy_isolate', 'oracle_probe'])
def test_verified_and_clean_are_apart_and_agree(name, tmp_path):
    "Verified (the asked-for attribute appeared) and clean (nothing else changed) are counted apart, the same in each view."
    from diffex.widgets import explore
    ex = _load(name)
    page, report = ex._repr_html_(), ex.to_html(tmp_path/'r').read_text(encoding='utf-8')
    x = explore(ex)
    d = ex.config.directions[0]
    dirty = 0
    for p in [q for q in ex.ranking()[:8] if d in ex.effects[q]]:
        e = ex.effects[p][d]
        c = ex.edit_counts(p, d)
        assert (c['verified'], c['checked']) == (sum(v is True for v in e.verified), sum(v is not None for v in e.verified))
        assert (c['clean'], c['observed']) == _clean_by_hand(e)
        dirty += c['verified'] > c['clean']
        text = f"{c['verified']}/{c['checked']} verified, {c['clean']}/{c['observed']} clean"
        assert ex.edits_text(p, d) == text
        assert text in _repr_row(page, p, d)
        assert f'<span class="dx-edits">{text}</span>' in _report_parts(report, p)[1]
        marked = c['clean'] < c['observed']                  # at a glance: the tree rows mark edits not all clean
        assert ('c' in {n['p']: n for n in x.tree.nodes}[p]) == marked
        assert (f"watches\">{c['clean']}/{c['observed']} clean</span>" in _report_parts(report, p)[1]) == marked
        info = _explorer_info(x, p, d)
        assert f"{c['verified']}/{c['checked']} edits verified" in info and \
            f'<span class="dx-clean">{c["clean"]}/{c["observed"]} clean</span>' in info
    if name == 'toy_isolate': assert dirty, 'toy_isolate has verified edits that changed something else'

HOSTILE = ['<script>alert(1)', '"><img src=x onerror=alert(2)>', "'><svg onload=alert(3)>"]   # names: no '/'
SCRIPT = '<script>alert(4)</script>'

@pytest.fixture(scope='module')
def hostile_run():
    "A real run of the tiny tint editor on a corpus whose names, prompts, domain and target are markup."
    from PIL import Image
    from diffex.classifiers import FunctionClassifier
    from diffex.corpus import SemanticTree
    from diffex.explain import explain
    from diffex.tiny import TinyTintEditor
    tree = SemanticTree.from_dict({'format': 'diffex-corpus', 'version': 1, 'domain': HOSTILE[1], 'root': {
        'name': 'things', 'editable': False, 'children': [
            {'name': HOSTILE[0], 'editable': False, 'children': [{'name': HOSTILE[2]}]}, {'name': 'beard', 'prompt': SCRIPT}]}})
    red = FunctionClassifier(lambda ims: [np.asarray(i, float)[..., 0].mean() for i in ims], 'redness', [SCRIPT],
                             'regression')
    return explain(Image.new('RGB', (16, 16), (100, 100, 100)), red, TinyTintEditor(), tree, 0, seeds=2, beam=None,
                   progress=False)

def _no_markup(page: str, where: str):
    for h in HOSTILE + [SCRIPT]:
        assert h not in page, (where, h)
        for tag in ('<script>alert', '<img src=x', '<svg onload'): assert tag not in page, (where, tag)

def test_names_are_text_in_every_view(hostile_run, tmp_path):
    from diffex.widgets import explore, node_info
    ex = hostile_run
    assert len(ex.effects) == 2
    page = ex._repr_html_()
    _no_markup(page, 'repr')
    assert str(escape(HOSTILE[0])) in page and str(escape(HOSTILE[2])) in page
    report = ex.to_html(tmp_path/'r').read_text(encoding='utf-8')
    _no_markup(report.replace('<script>(function', ''), 'report')   # the page's own script is allowed
    assert report.count('<script>') == 1 and str(escape(HOSTILE[1])) in report and str(escape(SCRIPT)) in report
    from diffex.explanation import aggregate
    from diffex.report import write_report
    dataset = aggregate([ex, ex], [HOSTILE[1], SCRIPT])
    _no_markup(dataset._repr_html_(), 'dataset repr')
    front = write_report([ex, ex], tmp_path/'front', dataset=dataset).read_text(encoding='utf-8')
    _no_markup(front, 'front page'); assert str(escape(SCRIPT)) in front
    x = explore(ex)
    for w in (x.title, x.info):
        _no_markup(w.value, 'explorer')
    for p in ex.effects:
        _no_markup(node_info(ex, p), 'node_info'); x.tree.selected = p; _no_markup(x.info.value, 'explorer info')
    x.tree.selected = HOSTILE[0]                     # a group
    assert 'is a group' in x.info.value; _no_markup(x.info.value, 'group')
    x.tree.selected = f'{HOSTILE[0]}/{HOSTILE[2]}'
    x.sign.value = 'negative' if ex.effects[x.tree.selected]['add'].mean > 0 else 'positive'
    assert 'hidden by the filter' in x.info.value; _no_markup(x.info.value, 'hidden')
    # the tree view gets the names as data; its script escapes them (`esc`) before it draws
    assert {n['n'] for n in x.tree.nodes} >= {HOSTILE[0], HOSTILE[2]}
    from diffex.widgets import TREE_ESM
    assert '${esc(n.n)}' in TREE_ESM and '${esc(n.p)}' in TREE_ESM

# JupyterLab 4's rules for HTML outputs (jlab_core's CSS): tables centred, cells right-aligned.
LAB_CSS = """
.jp-RenderedHTMLCommon table { border-collapse: collapse; table-layout: fixed; margin-left: auto; margin-right: auto; }
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th, .jp-RenderedHTMLCommon tr { vertical-align: middle;
  padding: 0.5em; line-height: normal; white-space: normal; max-width: none; border: none; }
.jp-RenderedHTMLCommon td, :not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon th,
:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon tr { text-align: right; }
"""

@pytest.mark.browser
def test_repr_is_left_aligned_under_jupyterlab_css(browser, tmp_path):
    "Under JupyterLab's output CSS the repr's table starts at the left edge and every cell is left-aligned."
    ex = _load('toy_isolate')
    f = tmp_path/'repr.html'
    f.write_text(f'<html><head><meta charset="utf-8"/><style>{LAB_CSS}</style></head><body style="margin:0">'
                 f'<div class="jp-RenderedHTMLCommon" style="width:1400px">{ex._repr_html_()}'
                 '<table class="plain"><tr><td>a plain table</td></tr></table></div></body></html>', encoding='utf-8')
    page = browser.new_page(viewport=dict(width=1400, height=900))
    try:
        page.goto(f.as_uri())
        got = page.evaluate("""() => {
          const t = document.querySelector('table.dx-repr'), p = document.querySelector('table.plain');
          const cells = Array.from(t.querySelectorAll('td, th')).map(c => getComputedStyle(c).textAlign);
          return {left: t.getBoundingClientRect().left, aligns: [...new Set(cells)], n: cells.length,
                  plainLeft: p.getBoundingClientRect().left, plainAlign: getComputedStyle(p.querySelector('td')).textAlign};
        }""")
    finally: page.close()
    assert got['plainAlign'] == 'right' and got['plainLeft'] > 100, got      # the CSS is JupyterLab's: it would centre
    assert got['left'] == 0 and got['aligns'] == ['left'] and got['n'] > 20, got

def test_unsearched_said_alike_by_every_view(tmp_path):
    "What the search never edited (`Explanation.unsearched_text`) is the same line in the repr, the report and the CLI."
    def check(name, ex, text):
        total = sum(1 for x in ex.tree.editable_nodes() if x.path_str not in ex.effects)
        assert bool(text) == bool(total), name
        if text: assert text.startswith(f'never edited: {total} of {len(ex.tree.editable_nodes())} semantics'), text
        if text: assert sum(k for k, _ in ex.unsearched().values()) == total
    assert _said_alike(tmp_path, 'unsearched_text', check), 'no golden run leaves a semantic unedited: this test checks nothing'


def _said_alike(tmp_path, method: str, check=None) -> int:
    "Over the golden runs: the line `Explanation.<method>()` is in every view where it is not empty; how many had one."
    said = 0
    for name in RUNS:
        ex = _load(name)
        text = getattr(ex, method)()
        if check: check(name, ex, text)
        if not text: continue
        said += 1
        for view, page in _views(ex, tmp_path/name):
            assert (str(escape(text)) if view != 'cli' else text) in page, (name, view)
    return said


def test_same_drawing_said_alike_by_every_view(tmp_path):
    """A semantic that gave way to a sibling whose edits drew the same (`Explanation.same_as`) is named under it in the
    repr, the report's ranked list and the CLI (`stands_for_text`), and marked on its own node in the report's tree."""
    from diffex.explanation import twin_explanation
    ex = twin_explanation()
    text = ex.stands_for_text('beard/goatee')
    assert text == 'also stands for spade beard: their edits drew the same'
    views = _views(ex, tmp_path/'twin')
    for view, page in views:
        assert text in page, view
        assert 'spade beard' not in page.split(text)[0].split('beard/goatee')[0], view   # not ranked above it
    assert 'drew the same as beard/goatee' in dict(views)['report']


def test_screening_said_alike_by_every_view(tmp_path):
    "Screening at fewer inversion steps (`Explanation.screening_text`) is the same line in the repr, the report and the CLI."
    assert _said_alike(tmp_path, 'screening_text'), 'no golden run screens at fewer steps: this test checks nothing'


def _views(ex, folder) -> tuple:
    "(view, text) of the repr, the report written to `folder` and the CLI's ranking."
    import io
    from diffex.cli import print_ranking
    out = io.StringIO(); print_ranking(ex, file=out)
    return (('repr', ex._repr_html_()), ('report', ex.to_html(folder).read_text(encoding='utf-8')), ('cli', out.getvalue()))
