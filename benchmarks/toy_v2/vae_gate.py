"""Measure the reconstruction gate on the latest exported EMA VAE of a `train_vae` run, and on the raw (non-EMA)
weights of its checkpoint when that is at the same step; append both to gates.jsonl.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/toy_v2/vae_gate.py runs/vae64 [n] [raw]

Skips what was already measured. One torch thread (the training run holds the other core). `raw` 0 skips the raw weights.
"""
import json, sys, time
from pathlib import Path
import torch
from diffusers import AutoencoderKL
from diffex import toyworld
from diffex.toylatent import reconstruction_gate, VAE_CHECKPOINT_KEYS
from diffex.toytrain import JsonLog, load_checkpoint

torch.set_num_threads(1)
run = Path(sys.argv[1]); n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
step = json.loads((run/'vae'/'training.json').read_text())['step']
log = JsonLog(run/'gates.jsonl')
raw = len(sys.argv) <= 3 or sys.argv[3] != '0'
probe = toyworld.load(diffusion=False).probe
done = {(r.get('step'), r.get('n'), r.get('weights')) for r in log.read()}

def measure(vae, weights: str):
    if (step, n, weights) in done: return print(f'step {step} ({weights}) already measured')
    t0 = time.time()
    g = reconstruction_gate(vae.eval(), probe, n=n)
    log(step=step, n=n, weights=weights, mse=round(g['mse'], 5), agreement={k: round(v, 3) for k, v in g['agreement'].items()},
        seconds=round(time.time() - t0, 1))
    print(step, weights, json.dumps(g))

vae = AutoencoderKL.from_pretrained(run/'vae')
measure(vae, 'ema')
if raw:
    ck = load_checkpoint(run/'checkpoint.pt', VAE_CHECKPOINT_KEYS)
    if int(ck['step']) != step: print(f"checkpoint at step {ck['step']}, export at {step}: raw weights not measured")
    else: vae.load_state_dict(ck['vae']); measure(vae, 'raw')
