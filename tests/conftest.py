import os

def pytest_configure(config):
    config.addinivalue_line('markers', 'browser: drives headless Chromium (./dev browser)')
    config.addinivalue_line('markers', 'slow: takes more than a few seconds')
    os.environ.setdefault('HF_HUB_OFFLINE', '1')       # tests never reach a model hub
    os.environ.setdefault('TRANSFORMERS_OFFLINE', '1')
