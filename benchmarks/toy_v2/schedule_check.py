"""Draw 8 captions of a latent toy model two ways: from pure noise (DDIM, 50 steps, guidance 4) and from held-out faces
noised 60% of the way up the schedule (the last 30 of the 50 DDIM steps, their own captions). A model whose second row is
clean and first row is not fails only at the top of its schedule (nbs/train/03_latent_world.ipynb, section 3).
Also appends to schedule_check.jsonl beside the image: the standard deviation of 16 generated latents (guidance 1 and 4)
against that of 64 encoded held-out faces (posterior samples, as the model trains on them).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/toy_v2/schedule_check.py runs/latent64/model out.png
"""
import json, random, sys
from pathlib import Path
import torch
from diffusers import DDIMScheduler
from diffex import toyworld
from diffex.toylatent import face_batch, latent_pipeline
from diffex.toytrain import text_to_image_pipeline

def main(folder, png, n=8, skip=20):
    torch.set_num_threads(1)
    p = latent_pipeline(folder)
    ddim = DDIMScheduler.from_config(p.scheduler.config, clip_sample=False)
    sd = text_to_image_pipeline(p, ddim)
    rng = random.Random(0)
    caps = [toyworld.caption(toyworld.sample_face(rng)) for _ in range(n)]
    ims = sd(caps, num_inference_steps=50, guidance_scale=4.0, height=64, width=64,
             generator=torch.Generator().manual_seed(0)).images
    faces, x = face_batch(0, n, seed=99)
    sf = p.vae.config.scaling_factor
    with torch.no_grad():
        ddim.set_timesteps(50); ts = ddim.timesteps[skip:]
        noise = torch.randn(n, 4, 16, 16, generator=torch.Generator().manual_seed(0))
        z = ddim.add_noise(p.vae.encode(x).latent_dist.mean * sf, noise, ts[:1])
        ids = p.tokenizer([toyworld.caption(f) for f in faces], padding='max_length', max_length=p.tokenizer.model_max_length,
                          return_tensors='pt').input_ids
        emb = p.text_encoder(ids)[0]
        for t in ts: z = ddim.step(p.unet(z, t, encoder_hidden_states=emb).sample, t, z).prev_sample
        ims += toyworld.to_pil(p.vae.decode(z / sf).sample.clamp(-1, 1))
    toyworld.image_grid(ims, ncols=n, scale=1).save(png)
    caps16 = [toyworld.caption(toyworld.sample_face(rng)) for _ in range(16)]
    gen = {g: sd(caps16, num_inference_steps=50, guidance_scale=g, height=64, width=64, output_type='latent',
                 generator=torch.Generator().manual_seed(0)).images.std().item() for g in (1.0, 4.0)}
    with torch.no_grad(): real = (p.vae.encode(face_batch(0, 64, seed=98)[1]).latent_dist.sample() * sf).std().item()
    rec = dict(model=str(folder), step=json.loads((Path(folder)/'training.json').read_text())['step'],
               schedule=p.scheduler.config.beta_schedule, latent_std_generated={str(g): round(v, 3) for g, v in gen.items()},
               latent_std_encoded=round(real, 3), image=Path(png).name)
    with open(Path(png).parent/'schedule_check.jsonl', 'a') as f: f.write(json.dumps(rec) + '\n')
    print(json.dumps(rec))

if __name__ == '__main__': main(sys.argv[1], sys.argv[2])
