"""Measure the reconstruction gate on the latest exported EMA VAE of a `train_vae` run, and on the raw (non-EMA)
weights of its checkpoint when that is at the same step; append both to gates.jsonl in the run folder.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/toy_v2/vae_gate.py runs/vae64 [n] [raw]

Skips what was already measured. One torch thread (the training run holds the other core). `raw` 0 skips the raw weights.
Also saves <run>/recon_<step>.png: held-out faces over their reconstructions (dark skin with a smile or frown first).
"""
import json, sys, time
from pathlib import Path
import torch
from diffex.toylatent import reconstruction_gate, VAE_CHECKPOINT_KEYS
from diffex.toytrain import JsonLog, load_checkpoint

def measure(run: Path, n: int = 1000, raw: bool = True) -> dict:
    "Gate figures of the run's exported EMA VAE (and raw weights), measured or read back: {'ema': {...}, 'raw': {...}}."
    from diffusers import AutoencoderKL
    from diffex import toyworld
    run = Path(run)
    step = json.loads((run/'vae'/'training.json').read_text())['step']
    log = JsonLog(run/'gates.jsonl')
    done = {r['weights']: r for r in log.read() if r.get('step') == step and r.get('n') == n}
    probe = toyworld.load(diffusion=False).probe
    def one(vae, weights: str):
        if weights in done: print(f'step {step} ({weights}) already measured'); return done[weights]
        t0 = time.time()
        g = reconstruction_gate(vae.eval(), probe, n=n)
        rec = dict(step=step, n=n, weights=weights, mse=round(g['mse'], 5),
                   agreement={k: round(v, 3) for k, v in g['agreement'].items()}, seconds=round(time.time() - t0, 1))
        log(**rec); print(json.dumps(rec)); return rec
    vae = AutoencoderKL.from_pretrained(run/'vae')
    out = {'ema': one(vae, 'ema')}
    if raw:
        ck = load_checkpoint(run/'checkpoint.pt', VAE_CHECKPOINT_KEYS)
        if int(ck['step']) != step: print(f"checkpoint at step {ck['step']}, export at {step}: raw weights not measured")
        else: vae.load_state_dict(ck['vae']); out['raw'] = one(vae, 'raw')
    return out


def recon_grid(run: Path, png: Path, n: int = 8):
    "Held-out faces (the gate's first batch) over their EMA reconstructions: `n` dark-skinned smiling or frowning, `n` others."
    from diffusers import AutoencoderKL
    from diffex.toylatent import face_batch
    from diffex.toyworld import to_pil, image_grid
    vae = AutoencoderKL.from_pretrained(Path(run)/'vae').eval()
    faces, x = face_batch(0, 100, seed=20_002)
    dark = [i for i, f in enumerate(faces) if f.skin == 'dark' and f.expression != 'neutral'][:n]
    rest = [i for i in range(100) if i not in dark][:n]
    with torch.no_grad(): rec = vae.decode(vae.encode(x).latent_dist.mean).sample.clamp(-1, 1)
    ims = []
    for idx in (dark, rest): ims += to_pil(x[idx]) + to_pil(rec[idx])
    image_grid(ims, ncols=n, scale=2).save(png)

if __name__ == "__main__":
    torch.set_num_threads(1)
    run = Path(sys.argv[1])
    g = measure(run, int(sys.argv[2]) if len(sys.argv) > 2 else 1000, len(sys.argv) <= 3 or sys.argv[3] != '0')
    recon_grid(run, run/f"recon_{g['ema']['step']}.png")
