"""diffex: explain what an image classifier relies on, by editing the image along a tree of human words.

The front door is flat and lazy: `from diffex import explain, SemanticTree, LeditsEditor, toyworld` imports each
name's module on first use (PEP 562), so `import diffex` itself loads no torch, diffusers, transformers, scipy or
pandas. `__all__` lists the names; every other module stays importable as `diffex.NAME` (`diffex.mining`, ...).

`diffex.explain` is the function `explain`: the package keeps that name for the function even after the module of
the same name is imported, so use `from diffex.explain import ...` (or `importlib.import_module('diffex.explain')`)
for the module. `diffex.verifiers` is the module (`from diffex import verifiers` is how diffex itself reads it); its
function `verifiers()` lists the registered verifiers: `diffex.verifiers.verifiers()`, like `diffex.editors()`.
"""
__version__ = "0.0.1"

import importlib, importlib.util, sys, types

# name -> 'module' (a submodule, as itself) or 'module:attr' (an attribute of it, dots allowed)
_LAZY = {
    'explain': 'explain:explain', 'explain_dataset': 'explain:explain_dataset', 'RunLocked': 'explain:RunLocked',
    'Explanation': 'explanation:Explanation', 'DatasetExplanation': 'explanation:DatasetExplanation',
    'aggregate': 'explanation:aggregate', 'load': 'explanation:Explanation.load',
    'ExplainConfig': 'config:ExplainConfig', 'SearchConfig': 'search:SearchConfig', 'beam_search': 'search:beam_search',
    'SemanticTree': 'corpus:SemanticTree', 'SemanticNode': 'corpus:SemanticNode', 'CorpusError': 'corpus:CorpusError',
    'Classifier': 'classifiers:Classifier', 'TorchClassifier': 'classifiers:TorchClassifier',
    'HFClassifier': 'classifiers:HFClassifier', 'FunctionClassifier': 'classifiers:FunctionClassifier',
    'OnnxClassifier': 'classifiers:OnnxClassifier', 'CLIPZeroShot': 'classifiers:CLIPZeroShot',
    'Verifier': 'verifiers:Verifier', 'CLIPVerifier': 'verifiers:CLIPVerifier', 'Observation': 'verifiers:Observation',
    'make_verifier': 'verifiers:make_verifier', 'register_verifier': 'verifiers:register_verifier',
    'Editor': 'editing:Editor', 'Inversion': 'editing:Inversion', 'Strength': 'editing:Strength',
    'make_editor': 'editing:make_editor', 'editors': 'editing:editors', 'register_editor': 'editing:register_editor',
    'LeditsEditor': 'ledits:LeditsEditor', 'InstructEditor': 'instruct:InstructEditor',
    'check_editor': 'tiny:check_editor', 'Effect': 'effects:Effect', 'explore': 'widgets:explore',
    'load_image': 'images:load_image', 'ImageError': 'images:ImageError',
    'toyworld': 'toyworld', 'verifiers': 'verifiers',
}
__all__ = list(_LAZY)
_KEEP = {n for n, v in _LAZY.items() if ':' in v and v.split(':')[0] == n}   # a function named like its module

def __getattr__(name: str):
    "A name of `__all__`, or a submodule, imported on first access (PEP 562)."
    spec = _LAZY.get(name)
    if spec is None:
        if name.startswith('_') or importlib.util.find_spec(f'{__name__}.{name}') is None:
            raise AttributeError(f'module {__name__!r} has no attribute {name!r}; its names are in diffex.__all__')
        spec = name
    mod, _, attr = spec.partition(':')
    obj = importlib.import_module(f'{__name__}.{mod}')
    for a in filter(None, attr.split('.')): obj = getattr(obj, a)
    globals()[name] = obj
    return obj

def __dir__(): return sorted(set(globals()) | set(__all__))

class _Package(types.ModuleType):
    "The package's module type: importing the module `diffex.explain` does not replace the function `explain`."
    def __setattr__(self, name, value):
        if name in _KEEP and isinstance(value, types.ModuleType): return
        super().__setattr__(name, value)

sys.modules[__name__].__class__ = _Package
