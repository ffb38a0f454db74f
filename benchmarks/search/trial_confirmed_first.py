"""A trial of issue 34's diffusion arm, kept as the record of a rule that was measured and not adopted (diffusion.md,
'What keeps toy-260's remove above 1/4'): after a cheaper screening, estimates confirmed at full fidelity rank first
(a screening estimate is not compared with a full one), and `confirm_top` confirms a screening estimate only when its
importance less its one-seed half-width (`pooled_sd`, `half_width`) reaches the last confirmed candidate's.

It patches `diffex.search` and `diffex.explanation` at import and then runs `diffusion.py` with the arguments given:

    git archive 6efb885 diffex | tar -x -C /tmp/snap6efb885; cd /tmp
    BENCH_CODE=6efb885+trial-lb PYTHONPATH=/tmp/snap6efb885 OMP_NUM_THREADS=1 python \\
        /work/main/benchmarks/search/trial_confirmed_first.py run --searches diffex --directions remove \\
        --corpora toy-260 --out TRIAL

Measured (toy-260, 'remove', 6 faces x 3 rules): precision@k 0.96 (25 of 26: the smile on face 0 for 'cheerful' is
lost) at 0.262 of exhaustive search's UNet evaluations, against 1.00 at 0.272 for 6efb885.
"""
import math, os, sys
import diffex.search as S
import diffex.explanation as X
from diffex.effects import importance

def confirmed(self):
    lv = lambda k: {p for x in self.levels for p in getattr(x, k)}
    return lv('rescored') | lv('completed') | (lv('isolated') - lv('scored'))

def confirmed_first(self, paths):
    conf = confirmed(self)
    return [p for p in paths if p in conf] + [p for p in paths if p not in conf]

def _ranked(self, specific):
    conf, effs = confirmed(self), self.effects
    below = S._best_below(effs, self.rank) if specific else {}
    if specific:
        below = {p: v for p, v in below.items() if p not in conf} | S._best_below({q: effs[q] for q in conf}, self.rank)
    gone = {p for p, v in below.items() if -math.inf < v >= S.lower_bound(effs[p], self.rank)}
    return confirmed_first(self, sorted([p for p in effs if p not in gone], key=lambda p: -importance(effs[p], self.rank)))
S.SearchResult._ranked = _ranked
S.SearchResult.confirmed = confirmed
S.SearchResult.confirmed_first = confirmed_first

def ranking(self):
    res = S.SearchResult(self.effects, self.levels, self.config.rank)
    r = [p for p in res.ranking() if importance(self.effects[p], self.config.rank) > -math.inf]
    return confirmed_first(res, self.reorder(self.effects, r)) if self.reorder else r
S.SearchState.ranking = ranking

orig_xr = X.ranking
def xranking(self, specific=True, adjusted=None):
    res, adj = self._asked_result(), self.adjusted if adjusted is None else adjusted
    r = res._ranked(specific)
    if adj: r = confirmed_first(res, sorted(r, key=lambda p: -self._adjusted_value(p)))
    if not specific: return r
    alias = self.same_as(adj)
    return [p for p in r if p not in alias]
X.Explanation.ranking = xranking

def unconfirmed(st, m):
    top, r = S.distinct_top(st, m), st.ranking()
    if not top: return []
    conf = confirmed(S.SearchResult(st.effects, st.levels, st.config.rank))
    if need := [p for p in r[:r.index(top[-1]) + 1] if p not in conf]: return need
    sd, rank = S.pooled_sd(st.effects), st.config.rank
    bar = importance(st.effects[top[-1]], rank)
    def pess(p):
        effs = st.effects[p]
        ok = [(d, e) for d, e in effs.items() if e.status == 'ok']
        if not ok: return -math.inf
        d, e = max(ok, key=lambda de: importance({de[0]: de[1]}, rank))
        h = S.half_width(e, sd)
        return importance(effs, rank) - (h if math.isfinite(h) else 0.0)
    return [p for p in r if p not in conf and pess(p) >= bar]

def confirm_top(st, tree):
    import time
    cfg = st.config
    if not st.rest or st.stopped == 'budget': return []
    m = cfg.confirm or cfg.beam or len(st.effects)
    t0, level_of, done = time.time(), {p: lv for lv in st.levels for p in lv.scored}, []
    for _ in range(len(st.effects)):
        need = [tree[p] for p in unconfirmed(st, m)]
        got = S.complete_seeds(st, need) if need else []
        for c in got:
            p, lv = c.path_str, level_of.get(c.path_str, st.levels[-1])
            done.append(p); lv.rescored.append(p); lv.edits += st.added[p]
        if not got or st.stopped == 'budget': break
    if st.levels: st.levels[-1].seconds += time.time() - t0
    return [tree[p] for p in done]
S.confirm_top = confirm_top

if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import diffusion
    diffusion.main(sys.argv[1:])
