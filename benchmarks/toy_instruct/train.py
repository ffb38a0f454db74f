"""Train (or resume) the toy instruction model in the background, on one CPU core.

    mkdir -p runs/toy_instruct
    OMP_NUM_THREADS=1 nohup nice -n 10 .venv/bin/python benchmarks/toy_instruct/train.py --out runs/toy_instruct --p-text 0.3 --p2-gamma 1 >> runs/toy_instruct/nohup.log 2>&1 &

Run the same command again to resume from runs/toy_instruct/checkpoint.pt. Steps 1-4,100 ran with the defaults (--p-text 0.1
--p2-gamma 0); from step 4,100 with --p-text 0.3 --p2-gamma 1 (more identity pairs, P2 loss weighting: see the chapter's
"Why the null edit redrew the face"); steps 4,601-6,200 with --lr 3e-4 as well, 6,201-7,100 with --lr 1e-4
(gates_step5500/6200_t4i5_lr3e-4.log, gates_step7100_t4i5_lr1e-4.log: not
shipped, the resume checkpoint stays at step 4,600). A fresh checkout resumes from the committed checkpoint (step 4,600, copied at 10:17 UTC
on 2026-12-06; the shipped weights are its EMA export, measured on the gates):
`mkdir -p runs/toy_instruct && cp benchmarks/toy_instruct/resume/* runs/toy_instruct/`, then the command above.
Progress: runs/toy_instruct/train_log.jsonl (loss, sec_per_step every 25 steps); the EMA model is exported to
runs/toy_instruct/model at every checkpoint. `--time-steps N` only times N steps (no checkpoint) and prints seconds per step
and per 1,000 steps.
"""
import argparse, os, tempfile, time
import torch

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', default='runs/toy_instruct')
    p.add_argument('--steps', type=int, default=20000)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--ckpt-every', type=int, default=100)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--p-text', type=float, default=0.1, help='share of identity pairs: empty instruction, target = input (default 0.1)')
    p.add_argument('--p2-gamma', type=float, default=0.0, help='loss weight (1 - alpha_bar_t) ** gamma (default 0: plain MSE)')
    p.add_argument('--pairs', nargs='*', default=None,
                   help='ledits_pairs files: train on pairs an editor drew instead of exact pairs (the LEDITS++-pair variant)')
    p.add_argument('--time-steps', type=int, default=0, help='only time this many steps (in a temporary folder) and exit')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    from diffex.toyinstruct import train_instruct
    from diffex.toytrain import JsonLog
    if a.time_steps:
        with tempfile.TemporaryDirectory() as d:
            t0 = time.time()
            train_instruct(d, steps=a.time_steps, batch=a.batch, ckpt_every=10**9, log_every=1, export=False, p_text=a.p_text,
                           p2_gamma=a.p2_gamma)
            rows = [r for r in JsonLog(os.path.join(d, 'train_log.jsonl')).read() if 'sec_per_step' in r][2:]  # skip warm-up steps
            s = sum(r['sec_per_step'] for r in rows) / len(rows)
            print(f'{a.threads} thread(s), batch {a.batch}: {s:.2f} s/step, {s * 1000 / 3600:.2f} h per 1,000 steps '
                  f'(mean over steps 3-{a.time_steps}; {time.time() - t0:.0f} s in all)')
        return
    train_instruct(a.out, steps=a.steps, batch=a.batch, lr=a.lr, ckpt_every=a.ckpt_every, p_text=a.p_text, p2_gamma=a.p2_gamma,
                   pairs=a.pairs)

if __name__ == '__main__': main()
