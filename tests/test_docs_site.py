"""Browser tests of the built docs site (`_docs/`, written by `./dev docs`), in headless Chromium at 1400 x 900.

- Layout: on the landing page, the explain API page, tutorials 1 and 5 and the performance page (one test each), and
  then on every other page (one test), no code block, output or table hides text: none is wider than its box, nothing is cut by `overflow: hidden`, nothing reaches past the text
  column, and the page does not scroll sideways. Folded cells are opened first, so their code is checked too.
- API pages: a reader meets a public definition (a show_doc block) before any visible test code; tests are folded.

Run by `./dev browser` (marker `browser`); .ci/run builds the docs first. Without `_docs/index.html` the tests fail
under CI (CI=true) and are skipped elsewhere, saying to run `./dev docs`. DIFFEX_DOCS points them at another build.
"""
import json, os, re
from pathlib import Path
import pytest

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
DOCS = Path(os.environ.get('DIFFEX_DOCS', ROOT/'_docs'))
SHOTS = Path(os.environ.get('SHOT_DIR', ROOT/'artifacts'/'screenshots'))
LAYOUT_PAGES = ['index', 'explain', 'tutorials/why_older', 'tutorials/reading_effects', 'performance']
WIDTH = 1400

def _missing(what: str):
    if os.environ.get('CI', '').lower() in ('1', 'true', 'yes'): pytest.fail(what)
    pytest.skip(what)

def api_pages() -> list[str]:
    "The pages of the API chapters (notebooks with `#| default_exp`): `nbs/05_explain.ipynb` -> 'explain'."
    out = []
    for nb in sorted((ROOT/'nbs').glob('*.ipynb')):
        cells = json.loads(nb.read_text())['cells']
        if any(c['cell_type'] == 'code' and re.search(r'^#\|\s*default_exp\b', ''.join(c['source']), re.M) for c in cells):
            out.append(re.sub(r'^\d+[a-zA-Z0-9]*_', '', nb.stem.lower()))   # nbdev's _nbpath2html
    return out

@pytest.fixture(scope='session')
def docs() -> Path:
    if not (DOCS/'index.html').exists(): _missing(f'{DOCS}/index.html is missing: build the docs first with ./dev docs')
    return DOCS

@pytest.fixture
def page(browser, request):
    ctx = browser.new_context(viewport=dict(width=WIDTH, height=900))
    pg = ctx.new_page()
    yield pg
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = re.sub(r'[^\w.-]+', '_', request.node.name)
    try: pg.screenshot(path=str(SHOTS/f'{shot}.png'), full_page=True)
    finally: ctx.close()

def open_page(page, docs: Path, name: str):
    f = docs/f'{name}.html'
    assert f.exists(), f'{f} is missing from the docs build (./dev docs)'
    page.goto(f.as_uri())
    page.wait_for_load_state('load')

# Every text box of the page's main column: code blocks, outputs, tables, figures, and the boxes around them.
HIDDEN_TEXT = r'''() => {
  document.querySelectorAll('main details').forEach(d => d.open = true);
  const main = document.querySelector('main');
  const right = main.getBoundingClientRect().right;
  const what = el => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} "${(el.innerText || '').trim().slice(0, 50)}"`;
  const bad = [];
  for (const el of main.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;                        // not rendered
    const cs = getComputedStyle(el), over = el.scrollWidth - el.clientWidth;
    const box = el.matches('pre, code, table, div.sourceCode, .cell-output, .cell-output-display, .cell, figure, p, li');
    if (over > 1 && (cs.overflowX === 'hidden' || cs.overflowX === 'clip'))
      bad.push(`cut by overflow-x: ${cs.overflowX}, ${over} px: ${what(el)}`);
    else if (over > 1 && box && el.tagName !== 'CODE')
      bad.push(`wider than its box by ${over} px (overflow-x: ${cs.overflowX}): ${what(el)}`);
    // a block box past the column (an inline one's rectangle includes the spaces that hang at its line ends; text that
    // spills out of it makes its block wider than its box, which the test above finds)
    if (r.right > right + 1 && cs.position !== 'fixed' && cs.display !== 'inline')
      bad.push(`reaches ${Math.round(r.right - right)} px past the text column: ${what(el)}`);
  }
  const se = document.scrollingElement;
  if (se.scrollWidth > window.innerWidth) bad.push(`the page scrolls sideways by ${se.scrollWidth - window.innerWidth} px`);
  const counted = main.querySelectorAll('pre, table').length;
  return {bad, counted};
}'''

@pytest.mark.parametrize('name', LAYOUT_PAGES)
def test_no_text_hidden(page, docs, name):
    "No code block, output or table hides text in a 1400 px window."
    open_page(page, docs, name)
    res = page.evaluate(HIDDEN_TEXT)
    assert res['counted'] > 0, f'{name}.html has no code block or table: is this the built docs page?'
    assert res['bad'] == [], f'{name}.html at {WIDTH} px: {len(res["bad"])} problem(s):\n' + '\n'.join(res['bad'][:15])

def test_no_text_hidden_on_any_page(page, docs):
    "The same check on every other page of the site (one test, all problems listed)."
    pages = sorted(f.relative_to(docs).with_suffix('').as_posix() for f in docs.rglob('*.html')
                   if 'site_libs' not in f.parts and not f.name.startswith('_'))
    assert len(pages) > len(LAYOUT_PAGES), f'only {len(pages)} pages in {docs}'
    bad = []
    for name in (n for n in pages if n not in LAYOUT_PAGES):
        open_page(page, docs, name)
        bad += [f'{name}.html: {b}' for b in page.evaluate(HIDDEN_TEXT)['bad']]
    assert bad == [], f'{len(bad)} problem(s) at {WIDTH} px:\n' + '\n'.join(bad[:20])

FIRST_DOC_AND_TEST = r'''() => {
  const main = document.querySelector('main');
  const doc = main.querySelector('.cell-output-markdown h2, .cell-output-markdown h3, .cell-output-markdown h4');
  const isTest = t => /(^|[^\w.])test_\w*\(|^\s*assert\b|^\s*from fastcore\.test import/m.test(t);
  const visible = el => !el.closest('details:not([open])') && el.getClientRects().length > 0;
  const test = [...main.querySelectorAll('.cell > .sourceCode pre, .cell > details pre, .cell > div pre.cell-code, pre.cell-code')]
    .find(pre => visible(pre) && isTest(pre.innerText));
  const before = doc && test ? !!(doc.compareDocumentPosition(test) & Node.DOCUMENT_POSITION_FOLLOWING) : null;
  return {doc: doc ? doc.innerText : null, test: test ? test.innerText.slice(0, 120) : null, before};
}'''

@pytest.mark.parametrize('name', api_pages())
def test_api_page_opens_with_definitions(page, docs, name):
    "An API page shows a public definition (show_doc) before any test code, and its tests are folded away."
    open_page(page, docs, name)
    res = page.evaluate(FIRST_DOC_AND_TEST)
    assert res['doc'], f'{name}.html shows no definition (no show_doc block)'
    assert res['test'] is None or res['before'], (
        f'{name}.html shows test code before its first definition ({res["doc"]!r}):\n{res["test"]}')
    assert res['test'] is None, f'{name}.html shows test code unfolded (tools/docs.py folds cells that run tests):\n{res["test"]}'

def test_layout_check_finds_clipping(page, docs, tmp_path):
    "The layout check is not blind: a page with a clipped and a scrolled code block fails it twice, and more."
    html = (docs/'index.html').read_text()
    long = 'x = "' + 'long line ' * 60 + '"'
    bad = (f'<div class="cell"><pre style="white-space: pre; overflow-x: hidden">{long}</pre></div>'
           f'<div class="cell"><pre style="white-space: pre; overflow-x: auto">{long}</pre></div>')
    f = docs/'_layout_check_probe.html'          # beside the real page, so its CSS and scripts load the same way
    try:
        f.write_text(html.replace('</main>', bad + '</main>', 1))
        open_page(page, docs, '_layout_check_probe')
        res = page.evaluate(HIDDEN_TEXT)
    finally: f.unlink(missing_ok=True)
    assert any(b.startswith('cut by overflow-x: hidden') for b in res['bad']), res['bad']
    assert any(b.startswith('wider than its box') for b in res['bad']), res['bad']
