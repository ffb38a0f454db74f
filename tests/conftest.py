import os
from pathlib import Path
import pytest

# Headless Chromium for the browser tests (tests/test_browser.py, tests/test_docs_site.py): Debian's /usr/bin/chromium
# driven by the pinned Playwright; `playwright install` is never used (it downloads from a CDN).
CHROMIUM = os.environ.get('DIFFEX_CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']

def missing(what: str):
    "A browser test's missing piece: a failure under CI (CI=true), so a missing install step is never green; else a skip."
    if os.environ.get('CI', '').lower() in ('1', 'true', 'yes'): pytest.fail(what)
    pytest.skip(what)

@pytest.fixture(scope='session')
def browser():
    "One headless Chromium for the session."
    if not Path(CHROMIUM).exists(): missing(f'{CHROMIUM} not found: run tools/browser_setup.sh')
    try: from playwright.sync_api import sync_playwright
    except ImportError: missing('playwright is not installed: run tools/browser_setup.sh')
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()

def pytest_configure(config):
    config.addinivalue_line('markers', 'browser: drives headless Chromium (./dev browser)')
    config.addinivalue_line('markers', 'slow: takes more than a few seconds')
    os.environ.setdefault('HF_HUB_OFFLINE', '1')       # tests never reach a model hub
    os.environ.setdefault('TRANSFORMERS_OFFLINE', '1')
