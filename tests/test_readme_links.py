"""Every relative link and picture in README.md resolves to a file or folder in this repository.

README.md is generated from nbs/index.ipynb by `./dev docs` (tools/docs.py), which turns the site's links into paths in
the repository; a link to a page that exists only in the built site (`_docs/`, not committed) fails here.
"""
import re
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r'^(```|~~~).*?^\1', re.M | re.S)
CODE_SPAN = re.compile(r'(`+).+?\1', re.S)
MD_LINK = re.compile(r'!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)')
HTML_LINK = re.compile(r'\b(?:href|src)\s*=\s*["\']([^"\']+)["\']', re.I)
REF_DEF = re.compile(r'^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)', re.M)
EXTERNAL = re.compile(r'^([a-z][a-z0-9+.-]*:|//|#)', re.I)     # http:, mailto:, data:, protocol-relative, an anchor

def links(md: str) -> list[str]:
    "The link targets of Markdown text (inline links, pictures, reference definitions, HTML href/src), outside code."
    md = CODE_SPAN.sub('', FENCE.sub('', md))
    return [m.group(1) for rx in (MD_LINK, HTML_LINK, REF_DEF) for m in rx.finditer(md)]

def unresolved(md: str, base: Path) -> list[str]:
    "The relative link targets of `md` that name no file or folder under `base`."
    bad = []
    for t in links(md):
        if EXTERNAL.match(t): continue
        path = unquote(t.split('#')[0].split('?')[0])
        if not path or not (base/path).exists(): bad.append(t)
    return bad

def test_link_finder():
    md = ('[a](nbs/index.ipynb) ![p](nbs/images/explanation.png "t") [b](https://x.org/y) [c](#quickstart)\n'
          '`[no](code.md)`\n```\n[no](fence.md)\n```\n<img src="docs/pic.png"> [d](missing.llms.md#top)\n[r]: ref/target.md\n')
    assert links(md) == ['nbs/index.ipynb', 'nbs/images/explanation.png', 'https://x.org/y', '#quickstart',
                         'missing.llms.md#top', 'docs/pic.png', 'ref/target.md']
    assert unresolved(md, ROOT) == ['missing.llms.md#top', 'docs/pic.png', 'ref/target.md']

def test_readme_relative_links_resolve():
    readme = ROOT/'README.md'
    bad = unresolved(readme.read_text(), ROOT)
    assert not bad, (f'README.md links to {bad}, which are not in the repository. README.md is generated: fix the link '
                     'in nbs/index.ipynb or in tools/docs.py (_readme_links), then run ./dev docs and commit README.md')
