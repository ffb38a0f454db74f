"""Measure the reconstruction gate on the latest exported EMA VAE of a `train_vae` run; append it to gates.jsonl.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/toy_v2/vae_gate.py runs/vae64 [n]

Skips a step already measured. One torch thread (the training run holds the other core).
"""
import json, sys, time
from pathlib import Path
import torch
from diffusers import AutoencoderKL
from diffex import toyworld
from diffex.toylatent import reconstruction_gate
from diffex.toytrain import JsonLog

torch.set_num_threads(1)
run = Path(sys.argv[1]); n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
step = json.loads((run/'vae'/'training.json').read_text())['step']
log = JsonLog(run/'gates.jsonl')
if any(r.get('step') == step and r.get('n') == n for r in log.read()): sys.exit(f'step {step} already measured')
t0 = time.time()
vae = AutoencoderKL.from_pretrained(run/'vae').eval()
g = reconstruction_gate(vae, toyworld.load(diffusion=False).probe, n=n)
log(step=step, n=n, weights='ema', mse=round(g['mse'], 5), agreement={k: round(v, 3) for k, v in g['agreement'].items()},
    seconds=round(time.time() - t0, 1))
print(step, json.dumps(g))
