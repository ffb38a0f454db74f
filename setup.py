"""Installs diffex from `settings.ini` (nbdev 2 layout) with current setuptools: no `pkg_resources`."""
import shlex
from configparser import ConfigParser
from pathlib import Path
import setuptools

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']
for k in 'version description keywords author author_email license min_python lib_name user'.split():
    assert k in cfg, f'settings.ini is missing `{k}`'

licenses = {'apache2': 'Apache-2.0'}   # SPDX expressions (license classifiers are deprecated)
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive']
py_versions = '3.10 3.11 3.12 3.13'.split()
lic = licenses.get(cfg['license'].lower(), cfg['license'])
min_python = cfg['min_python']
requirements = shlex.split(cfg.get('requirements', ''))
dev_requirements = shlex.split(cfg.get('dev_requirements', ''))
readme = Path('README.md')

setuptools.setup(
    name=cfg['lib_name'], version=cfg['version'], description=cfg['description'],
    license=lic, author=cfg['author'], author_email=cfg['author_email'], keywords=cfg['keywords'].split(),
    url=f"https://github.com/{cfg['user']}/{cfg['repo']}", project_urls={'Documentation': f"https://{cfg['user']}.github.io/{cfg['repo']}"},
    classifiers=['Development Status :: ' + statuses[int(cfg['status'])],
                 'Intended Audience :: ' + cfg['audience'].title(),
                 'Natural Language :: ' + cfg['language'].title()]
                + ['Programming Language :: Python :: ' + v for v in py_versions[py_versions.index(min_python):]],
    packages=setuptools.find_packages(include=['diffex', 'diffex.*']),
    include_package_data=True,
    package_data={'diffex': ['data/*', 'data/**/*', 'corpora/*.json', '*.json']},
    install_requires=requirements,
    extras_require={'dev': dev_requirements},
    python_requires='>=' + min_python,
    long_description=readme.read_text(encoding='utf-8') if readme.exists() else '',
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={'console_scripts': cfg.get('console_scripts', '').split() if cfg.get('console_scripts') else [],
                  'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
)
