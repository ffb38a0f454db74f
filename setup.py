"""Installs diffex from `settings.ini` (nbdev 2 layout) with current setuptools: no `pkg_resources`.

settings.ini keys read here: `requirements` (install), `dev_requirements` (the `dev` extra) and
`extra_NAME = ...` for each other optional extra (`pip install "diffex[NAME]"`).
"""
import shlex, warnings
from configparser import ConfigParser
from pathlib import Path
import setuptools

# `pip install -e .` of a flat layout makes setuptools print its notice "Editable installation. Please be careful with
# folders in your working directory with the same name as your package". It is an `InformationOnly` message
# (setuptools/warnings.py says a warning is "not the most appropriate tool" for it), not about this configuration.
try:
    from setuptools.warnings import InformationOnly
    warnings.filterwarnings('ignore', message='Editable installation', category=InformationOnly)
except ImportError: pass   # older setuptools: no such notice

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']
for k in 'version description keywords author license min_python lib_name status audience language'.split():
    assert k in cfg, f'settings.ini is missing `{k}`'

licenses = {'apache2': 'Apache-2.0'}   # SPDX expressions (license classifiers are deprecated)
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive']
status = next((s for s in statuses if s.startswith(cfg['status'] + ' ')), None)
assert status, f"settings.ini `status = {cfg['status']}` is not one of 1..7 (PyPI's development statuses)"
py_versions = '3.10 3.11 3.12 3.13'.split()
lic = licenses.get(cfg['license'].lower(), cfg['license'])
min_python = cfg['min_python']
requirements = shlex.split(cfg.get('requirements', ''))
extras = {k.removeprefix('extra_'): shlex.split(v) for k, v in cfg.items() if k.startswith('extra_')}
extras['dev'] = shlex.split(cfg.get('dev_requirements', ''))
readme = Path('README.md')
# Package data: the toy world's weights and tokenizer, the built-in corpora and their JSON schema. The data folders
# are namespace packages for setuptools (find_namespace_packages), so every data file belongs to a listed package.
# tools/check_wheel.py checks that a built wheel carries every file git tracks under diffex/.
data = ['*.json', '*.jsonl', '*.safetensors']

setuptools.setup(
    name=cfg['lib_name'], version=cfg['version'], description=cfg['description'],
    license=lic, author=cfg['author'], keywords=cfg['keywords'].split(),
    **({'author_email': cfg['author_email']} if cfg.get('author_email') else {}),
    classifiers=['Development Status :: ' + status,
                 'Intended Audience :: ' + cfg['audience'].title(),
                 'Natural Language :: ' + cfg['language'].title()]
                + ['Programming Language :: Python :: ' + v for v in py_versions[py_versions.index(min_python):]],
    packages=setuptools.find_namespace_packages(include=['diffex', 'diffex.*'], exclude=['*.__pycache__']),
    package_data={'': data},
    include_package_data=False,   # only `package_data`: a stale diffex.egg-info/SOURCES.txt must not add files
    install_requires=requirements,
    extras_require=extras,
    python_requires='>=' + min_python,
    long_description=readme.read_text(encoding='utf-8') if readme.exists() else '',
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={'console_scripts': cfg.get('console_scripts', '').split() if cfg.get('console_scripts') else [],
                  'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
)
