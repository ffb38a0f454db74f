"""Time per training step (batch 32, one torch thread) of the 32 px pixel-space toy UNet against latent UNets on
16x16 VAE latents of 64 px faces: the same widths, and about twice the width. Appends to step_time.jsonl.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/toy_v2/step_time.py [vae folder] [steps]

Each step is split into drawing the batch (faces rendered, captions), encoding it (pixel latents, or the VAE's encoder
under no_grad), and the optimiser step (text encoder and UNet forward and backward, AdamW). Median over `steps` steps
after one warm-up step. Other jobs share this 2-core machine, so the three models are timed interleaved, step by step.
"""
import json, platform, sys, time
from pathlib import Path
import numpy as np
import torch
import torch.nn.functional as F
from diffex.toyworld import toy_unet, toy_text_encoder, toy_tokenizer, toy_schedulers, latents, SIZE
from diffex.toytrain import caption_batch, encode_prompts
from diffex.toylatent import latent_unet, toy_vae, SIZE64

torch.set_num_threads(1)
vae_dir = Path(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] else None
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 8
batch = 32
if vae_dir:
    from diffusers import AutoencoderKL
    vae = AutoencoderKL.from_pretrained(vae_dir).eval()
else: vae = toy_vae().eval()   # untrained: the cost is the same
tok = toy_tokenizer()
alphas = toy_schedulers()[0].alphas_cumprod
models = {'pixel 32px (32,64,64)': (toy_unet, SIZE, latents),
          'latent 16x16 (32,64,64)': (lambda: latent_unet((32, 64, 64)), SIZE64, lambda x: vae.encode(x).latent_dist.sample()),
          'latent 16x16 (64,128,128)': (lambda: latent_unet((64, 128, 128)), SIZE64, lambda x: vae.encode(x).latent_dist.sample())}
state = {}
for name, (mk, size, enc) in models.items():
    torch.manual_seed(0)
    unet, te = mk(), toy_text_encoder(len(tok))
    params = list(unet.parameters()) + list(te.parameters())
    state[name] = (unet, te, params, torch.optim.AdamW(params, lr=1e-4), size, enc)
times = {n: dict(data=[], encode=[], step=[]) for n in models}
for s in range(steps + 1):
    for name, (unet, te, params, opt, size, enc) in state.items():
        t0 = time.perf_counter()
        _, x, caps = caption_batch(s, batch, size=size)
        t1 = time.perf_counter()
        with torch.no_grad(): z = enc(x)
        t2 = time.perf_counter()
        noise = torch.randn_like(z); t = torch.randint(0, 1000, (batch,)); a = alphas[t].view(-1, 1, 1, 1)
        pred = unet(a.sqrt() * z + (1 - a).sqrt() * noise, t, encoder_hidden_states=encode_prompts(tok, te, caps)).sample
        loss = F.mse_loss(pred, noise)
        opt.zero_grad(set_to_none=True); loss.backward(); torch.nn.utils.clip_grad_norm_(params, 1.0); opt.step()
        t3 = time.perf_counter()
        if s:   # the first step warms up
            for k, v in zip(('data', 'encode', 'step'), (t1 - t0, t2 - t1, t3 - t2)): times[name][k].append(v)
rec = dict(batch=batch, threads=1, steps=steps, machine=platform.processor() or platform.machine(), time=time.strftime('%Y-%m-%d %H:%M'),
           models={n: dict(params_unet=sum(p.numel() for p in state[n][0].parameters()),
                           **{k: round(float(np.median(v)), 3) for k, v in t.items()},
                           total=round(float(np.median([a + b + c for a, b, c in zip(t['data'], t['encode'], t['step'])])), 3))
                   for n, t in times.items()})
with open(Path(__file__).with_name('step_time.jsonl'), 'a') as f: f.write(json.dumps(rec) + '\n')
for n, m in rec['models'].items(): print(f"{n:28s} {m['params_unet']/1e6:5.2f} M  data {m['data']:.3f}  encode {m['encode']:.3f}  step {m['step']:.3f}  total {m['total']:.3f} s")
