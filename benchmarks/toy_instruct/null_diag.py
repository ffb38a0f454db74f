"""Why does the toy instruction model's null edit (the empty instruction) not reproduce its input? Small measured
experiments on validation faces (`toyinstruct.face_split(f) == 'val'`, never benchmark faces).

    OMP_NUM_THREADS=1 nice -n 5 .venv/bin/python benchmarks/toy_instruct/null_diag.py --model diffex/data/toyworld/instruct

Prints, for the null edit made as `InstructEditor` makes it (one start noise from seed 0, DPM-Solver++ 10 steps):
mean |null - input| in grey levels (0-255) and the share of faces the probe reads as their input, under
(a) image guidance scales, (b) the conditioning image swapped for another face's, (c) step counts / samplers,
and the one-step denoising error of the identity (x0 estimate vs input) by timestep with the input, another face
or no image as the conditioning.
"""
import argparse, random
import numpy as np
import torch

def val_faces(n, seed=12345):
    from diffex.toyworld import sample_face
    from diffex.toyinstruct import face_split
    rng, out = random.Random(seed), []
    while len(out) < n:
        f = sample_face(rng)
        if face_split(f) == 'val': out.append(f)
    return out

@torch.no_grad()
def null_edit(pipe, cond, texts=None, steps=10, image=1.2, text=2.0, scheduler=None, seed=0):
    "The null edit as InstructEditor makes it (same start noise for every face), for a batch of conditioning latents."
    K = cond.shape[0]
    noise = torch.randn(cond.shape[1:], generator=torch.Generator('cpu').manual_seed(seed)).expand(K, -1, -1, -1)
    if scheduler is not None: pipe.scheduler = scheduler
    gens = [torch.Generator('cpu').manual_seed(seed + 1) for _ in range(K)]
    out = pipe(texts or [''] * K, image=cond, num_inference_steps=steps, guidance_scale=text, image_guidance_scale=image,
               latents=noise.clone(), generator=gens, output_type='pt').images
    return out * 2 - 1    # [-1, 1]

def score(world, x, ref):
    from diffex.toyworld import FAMILIES, to_pil, probe_read
    d = float(((x.clamp(-1, 1) - ref).abs() * 127.5).mean())
    r0, r1 = probe_read(world.probe, to_pil(ref)), probe_read(world.probe, to_pil(x))
    same = float(np.mean([all(a[k] == b[k] for k in FAMILIES) for a, b in zip(r0, r1)]))
    return d, same

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--model', default='diffex/data/toyworld/instruct')
    p.add_argument('--n', type=int, default=16)
    p.add_argument('--parts', default='scale,swap,steps,onestep', help='any of scale,swap,steps,onestep,clip,start')
    p.add_argument('--images', default='1.2,2,3', help='clip: image guidance scales')
    p.add_argument('--lambdas', default='none,-3,-2.5', help="clip: DPM-Solver++ lambda_min_clipped values ('none': -inf)")
    a = p.parse_args()
    torch.set_num_threads(1)
    from diffex import toyworld
    from diffex.toyworld import draw, to_tensor, latents
    from diffex.toyinstruct import instruct_pipeline, instruct_model_step
    world = toyworld.load()
    pipe = instruct_pipeline(a.model)
    faces = val_faces(a.n)
    x = to_tensor([draw(f) for f in faces]); c = latents(x)
    other = torch.roll(c, 1, 0)
    print(f'model {a.model} (step {instruct_model_step(a.model)}), {a.n} validation faces', flush=True)
    parts = a.parts.split(',')
    if 'scale' in parts:
        for s in (0.0, 1.0, 1.2, 1.5, 2.0, 3.0):
            d, same = score(world, null_edit(pipe, c, image=s, text=1.0 if s < 1 else 2.0), x)
            what = 'guidance off (one branch, as image guidance 1.0)' if s < 1 else f'image guidance {s}'
            print(f'  {what}: |null - input| {d:5.1f}, reads as input {same:.2f}', flush=True)
    if 'clip' in parts:
        from diffusers import DPMSolverMultistepScheduler
        from diffex.toyworld import PIXEL_CLIP
        for lam in a.lambdas.split(','):
            kw = {} if lam == 'none' else dict(lambda_min_clipped=float(lam))
            sch = DPMSolverMultistepScheduler(num_train_timesteps=1000, beta_schedule='squaredcos_cap_v2', prediction_type='epsilon',
                                              algorithm_type='dpmsolver++', solver_order=2, **PIXEL_CLIP, **kw)
            sch.set_timesteps(10); t0 = int(sch.timesteps[0])
            for s in map(float, a.images.split(',')):
                d, same = score(world, null_edit(pipe, c, image=s, scheduler=sch), x)
                print(f'  lambda_min_clipped {lam} (first t {t0}), image guidance {s}: |null - input| {d:5.1f}, '
                      f'reads as input {same:.2f}', flush=True)
    if 'swap' in parts:
        y = null_edit(pipe, other)
        d1, s1 = score(world, y, x); d2, s2 = score(world, y, other[:, :3])
        print(f'  conditioned on another face: |out - input| {d1:5.1f} (reads as input {s1:.2f}); '
              f'|out - other face| {d2:5.1f} (reads as it {s2:.2f})', flush=True)
        y = null_edit(pipe, torch.zeros_like(c))
        d1, _ = score(world, y, x)
        print(f'  conditioned on zeros: |out - input| {d1:5.1f}', flush=True)
    if 'steps' in parts:
        from diffusers import DDIMScheduler, EulerDiscreteScheduler
        base = pipe.scheduler
        for st in (5, 10, 20, 50):
            d, same = score(world, null_edit(pipe, c, steps=st, scheduler=base), x)
            print(f'  DPM++ {st} steps: |null - input| {d:5.1f}, reads as input {same:.2f}', flush=True)
        kw = dict(num_train_timesteps=1000, beta_schedule='squaredcos_cap_v2', prediction_type='epsilon')
        for name, sch in [('DDIM', DDIMScheduler(**kw, clip_sample=True)), ('Euler', EulerDiscreteScheduler(**kw))]:
            for st in (10, 50):
                d, same = score(world, null_edit(pipe, c, steps=st, scheduler=sch), x)
                print(f'  {name} {st} steps: |null - input| {d:5.1f}, reads as input {same:.2f}', flush=True)
        pipe.scheduler = base
    if 'start' in parts:
        from diffex.toytrain import encode_prompts
        emb = encode_prompts(pipe.tokenizer, pipe.text_encoder, [''] * a.n)
        al = toyworld.toy_schedulers()[0].alphas_cumprod
        noise = torch.randn(c.shape[1:], generator=torch.Generator('cpu').manual_seed(0)).expand(a.n, -1, -1, -1)
        print('  DDIM, 10 steps from t0 to 0, empty instruction: from pure noise, or from the input noised to t0 (an oracle start)')
        for t0 in (999, 950, 900, 800, 700, 500):
            ts = [int(t) for t in torch.linspace(t0, 0, 11).round()][:-1]
            for oracle in (False, True):
                if oracle and t0 == 999: continue
                xs = al[t0].sqrt() * c + (1 - al[t0]).sqrt() * noise if oracle else noise
                for s in ((1.0, 2.0) if not oracle else (1.0,)):
                    d, same = score(world, ddim_null(pipe.unet, emb, c, ts, xs, image=s), x)
                    print(f'    from t={t0} ({"noised input" if oracle else "pure noise"}), image guidance {s}: '
                          f'|null - input| {d:5.1f}, reads as input {same:.2f}', flush=True)
    if 'onestep' in parts:
        from diffex.toytrain import encode_prompts
        alphas = toyworld.toy_schedulers()[0].alphas_cumprod
        emb = encode_prompts(pipe.tokenizer, pipe.text_encoder, [''] * a.n)
        g = torch.Generator('cpu').manual_seed(0)
        print('  one-step x0 error of the identity, grey levels: t: cond=input / cond=other face / no image', flush=True)
        for t in (999, 900, 700, 500, 300, 100, 20):
            al = alphas[t]; eps = torch.randn(c.shape, generator=g)
            xt = al.sqrt() * c + (1 - al).sqrt() * eps
            row = []
            for cc in (c, other, torch.zeros_like(c)):
                with torch.no_grad():
                    e = pipe.unet(torch.cat([xt, cc], 1), torch.full((a.n,), t), encoder_hidden_states=emb).sample
                x0 = ((xt - (1 - al).sqrt() * e) / al.sqrt())[:, :3].clamp(-1, 1)
                row.append(float(((x0 - x).abs() * 127.5).mean()))
            print(f'    t={t:3d}: ' + ' / '.join(f'{r:5.1f}' for r in row), flush=True)

if __name__ == '__main__': main()

@torch.no_grad()
def ddim_null(unet, emb, c, ts, x_start, image=1.0):
    "Deterministic DDIM (x0 clipped to [-1, 1]) over timesteps `ts` (descending) from `x_start`, empty instruction."
    from diffex.toyworld import toy_schedulers
    al = toy_schedulers()[0].alphas_cumprod
    x = x_start
    for i, t in enumerate(ts):
        a = al[t]
        tt = torch.full((c.shape[0],), t)
        e_img = unet(torch.cat([x, c], 1), tt, encoder_hidden_states=emb).sample
        e = e_img
        if image != 1.0:
            e_unc = unet(torch.cat([x, torch.zeros_like(c)], 1), tt, encoder_hidden_states=emb).sample
            e = e_unc + image * (e_img - e_unc)
        x0 = ((x - (1 - a).sqrt() * e) / a.sqrt()).clamp(-1, 1)
        e = (x - a.sqrt() * x0) / (1 - a).sqrt()
        an = al[ts[i + 1]] if i + 1 < len(ts) else torch.tensor(1.0)
        x = an.sqrt() * x0 + (1 - an).sqrt() * e
    return x[:, :3]
