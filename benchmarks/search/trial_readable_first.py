"""A trial of issue 34's oracle arms, kept as the record of a rule measured and not (yet) adopted (optimistic.md, the
exact arm's agreement@k on mined-350-s0): the children of a node are screened, and an uninformative item's half
deferred, with the names the verifier can read first (the toy probe reads a name when `ProbeVerifier.attribute`
gives one), so that an item edited by its own name whose drawable keywords all lie in its second half ('skin tone' on
mined-350-s0: 'tan skin' and four others at places 13-19 of 20) has them screened first.

It patches `diffex.search.frontier` at import and then runs `run.py` with the arguments given:

    git archive 0a02a69 diffex | tar -x -C /tmp/snapR; cd /tmp
    BENCH_CODE=0a02a69+readable-first PYTHONPATH=/tmp/snapR OMP_NUM_THREADS=1 python \\
        /work/main/benchmarks/search/trial_readable_first.py run --search trial-readable-first \\
        --corpora mined-350-s0 --arms exact --faces 2 --out TRIAL
"""
import sys
from pathlib import Path
import diffex.search as S
from diffex.toyworld import ProbeVerifier

_frontier = S.frontier

def readable_first(node) -> list:
    "`frontier`, the names the toy probe can read first (a stable sort: corpus order within each part)."
    return sorted(_frontier(node), key=lambda c: ProbeVerifier.attribute(c.path_str, c.prompt) is None)
S.frontier = readable_first

if __name__ == '__main__':
    sys.path.insert(0, str(Path(__file__).parent))
    import run
    sys.exit(run.main(sys.argv[1:]))
