"""What a short prompt says about the families it does not name: text-to-image samples per prompt, read by the probes.

    python benchmarks/toy_edits/prompt_shift.py OUT.jsonl [MODEL-FOLDER|shipped] [N] [GUIDANCE] [PROMPT ...]

For the empty prompt and a few edit prompts (or the PROMPTs given), N samples (default 48, seed 0, 20 DPM-Solver steps, guidance 4) and the probes'
counts per family. If the model treats a prompt as 'this, the rest unknown', the families the prompt does not name keep
the empty prompt's distribution; if it reads it as 'this and nothing else', moustaches, beards and glasses thin out,
and a LEDITS++ edit with that prompt removes them too. Appends one JSON line per prompt; about a minute per prompt on CPU.
"""
import sys, json, collections
import torch

PROMPTS = ['', 'dark skin', 'a face with dark skin', 'smiling', 'grey hair']
FAMS = ('moustache', 'beard', 'eyewear', 'headwear', 'expression', 'skin')

def main(out, folder=None, n=48, guidance=4.0, prompts=PROMPTS):
    torch.set_num_threads(1)
    from diffusers import StableDiffusionPipeline
    from diffex import toyworld
    from diffex.toyworld import probe_read
    w = toyworld.load()
    if folder: w.pipe = toyworld.toy_pipeline(folder)
    p = w.pipe
    step = json.loads(open(f"{folder or w.folder/'sd'}/training.json").read()).get('step')
    sd = StableDiffusionPipeline(vae=p.vae, text_encoder=p.text_encoder, tokenizer=p.tokenizer, unet=p.unet, scheduler=p.scheduler,
                                 safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    sd.set_progress_bar_config(disable=True)
    for prompt in prompts:
        ims = sd([prompt] * n, num_inference_steps=20, guidance_scale=guidance, height=toyworld.SIZE, width=toyworld.SIZE,
                 generator=torch.Generator().manual_seed(0)).images
        r = probe_read(w.probe, ims)
        counts = {k: dict(collections.Counter(x[k] for x in r).most_common()) for k in FAMS}
        rec = dict(model=str(step), folder=folder, prompt=prompt, n=n, guidance=guidance, counts=counts)
        print(f'{step} g={guidance:g} {prompt!r:24s} ' + '  '.join(f"{k}: {n - counts[k].get('none', 0) if k in ('moustache', 'beard', 'eyewear', 'headwear') else counts[k]}"
                                                    for k in FAMS), flush=True)
        with open(out, 'a') as fh: fh.write(json.dumps(rec) + '\n')

if __name__ == '__main__':
    a = sys.argv[1:]
    if not a: sys.exit(__doc__)
    main(a[0], a[1] if len(a) > 1 and a[1] != 'shipped' else None, int(a[2]) if len(a) > 2 else 48,
         float(a[3]) if len(a) > 3 else 4.0, a[4:] or PROMPTS)
