"""Benchmark of the editing engine (issue 5). Prints figures; asserts nothing about time.

    python benchmarks/bench_editing.py                      # the full table: 32 prompts, 3 seeds, K = 1..16
    python benchmarks/bench_editing.py --prompts 8 --seeds 1 --threads 1   # a quick run on a busy machine

(a) the reference procedure of the DiffEx code on the toy model: for every seed and keyword, invert the image
    again with stock LEDITS++ and run one stock edit with that one keyword;
(b) diffex's engine on the same model, image, prompts, seeds and parameters: one inversion per seed, the null
    edit, and all prompts as independent edits batched through one denoising loop (no disk cache);
(c) seconds per edit for batch sizes K = 1, 2, 4, 8, 16;
(d) on a GPU: SD 1.5's architecture with random weights (same compute as the real weights), 512 px, fp16,
    edits per second for K = 1..16. Without a GPU these rows say "not measured".
"""
import argparse, functools, time, platform
print = functools.partial(print, flush=True)   # rows appear as they are measured
import numpy as np
import torch
from PIL import Image


def toy_setup():
    from diffex.toyworld import toy_pipeline, TOY_EDIT, sample_face, draw, toy_prompt_paths
    pipe = toy_pipeline()
    image = draw(sample_face(0))
    prompts = sorted(toy_prompt_paths())
    return pipe, dict(TOY_EDIT), image, prompts


_MASK_FLAGS = {'intersect': dict(use_intersect_mask=True), 'attention': dict(use_intersect_mask=False, use_cross_attn_mask=True),
               'quantile': dict(use_intersect_mask=False, use_cross_attn_mask=False)}


def reference(pipe, params, image, prompts, seeds):
    "The DiffEx reference procedure: a fresh stock inversion and one stock edit per keyword and seed."
    from diffex.editing import UNetCounter, LeditsEditor
    p = LeditsEditor(pipe, **params).params          # the same parameter values the engine uses (masks resolved)
    cnt = UNetCounter(pipe.unet)
    t0 = time.perf_counter()
    with torch.no_grad():
        for s in seeds:
            for kw in prompts:
                pipe.invert(image=image, source_prompt=p['source_prompt'], num_inversion_steps=p['num_inversion_steps'],
                            skip=p['skip'], generator=torch.Generator().manual_seed(s), height=image.size[1], width=image.size[0])
                pipe(editing_prompt=[kw], edit_guidance_scale=p['edit_guidance_scale'], edit_threshold=p['edit_threshold'],
                     edit_warmup_steps=p['edit_warmup_steps'], edit_cooldown_steps=p['edit_cooldown_steps'],
                     **_MASK_FLAGS[p['use_masks']])
    dt = time.perf_counter() - t0
    cnt.remove()
    return cnt.n, dt


def engine(pipe, params, image, prompts, seeds, batch_size=16):
    from diffex.editing import LeditsEditor
    ed = LeditsEditor(pipe, batch_size=batch_size, **params)
    t0 = time.perf_counter()
    for s in seeds:
        inv = ed.invert(image, seed=s)
        ed.reconstruct(inv)
        ed.edit(inv, prompts)
    return ed.unet_evals, time.perf_counter() - t0


def per_k(pipe, params, image, prompts, ks, repeats=1):
    from diffex.editing import LeditsEditor
    rows = []
    for k in ks:
        ed = LeditsEditor(pipe, batch_size=k, **params)
        inv = ed.invert(image, seed=0)
        ps = (prompts * (k // len(prompts) + 1))[:k]
        best = float('inf')
        for _ in range(repeats):
            t0 = time.perf_counter(); ed.edit(inv, ps); best = min(best, time.perf_counter() - t0)
        rows.append((k, best / k))
    return rows


def sd15_random(dtype=torch.float16, device='cuda'):
    "SD 1.5's architecture with random weights, built from its config (no download)."
    from diffusers import UNet2DConditionModel, AutoencoderKL, DPMSolverMultistepScheduler, LEditsPPPipelineStableDiffusion
    from transformers import CLIPTextConfig, CLIPTextModel
    from diffex.tiny import tiny_tokenizer
    torch.manual_seed(0)
    unet = UNet2DConditionModel(sample_size=64, block_out_channels=(320, 640, 1280, 1280), layers_per_block=2, cross_attention_dim=768,
                                attention_head_dim=8, down_block_types=('CrossAttnDownBlock2D',) * 3 + ('DownBlock2D',),
                                up_block_types=('UpBlock2D',) + ('CrossAttnUpBlock2D',) * 3)
    vae = AutoencoderKL(block_out_channels=(128, 256, 512, 512), down_block_types=('DownEncoderBlock2D',) * 4,
                        up_block_types=('UpDecoderBlock2D',) * 4, layers_per_block=2, latent_channels=4, sample_size=512)
    tok = tiny_tokenizer(max_length=77)
    te = CLIPTextModel(CLIPTextConfig(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                                      num_attention_heads=12, max_position_embeddings=77, bos_token_id=0, eos_token_id=1, pad_token_id=1))
    sch = DPMSolverMultistepScheduler(beta_schedule='scaled_linear', beta_start=0.00085, beta_end=0.012, steps_offset=1,
                                      algorithm_type='sde-dpmsolver++', solver_order=2)
    pipe = LEditsPPPipelineStableDiffusion(vae=vae, text_encoder=te, tokenizer=tok, unet=unet, scheduler=sch, safety_checker=None,
                                           feature_extractor=None, requires_safety_checker=False)
    return pipe.to(device, dtype)


def gpu_rows(ks):
    from diffex.editing import LeditsEditor
    if not torch.cuda.is_available():
        return [(k, 'not measured (no GPU)') for k in ks]
    pipe = sd15_random()
    image = Image.fromarray(np.random.default_rng(0).integers(0, 255, (512, 512, 3), dtype=np.uint8))
    rows = []
    for k in ks:
        ed = LeditsEditor(pipe, batch_size=k, vae_slicing=True)
        inv = ed.invert(image)
        ps = [f'photo {i}' for i in range(k)]
        ed.edit(inv, ps[:1]); torch.cuda.synchronize()
        t0 = time.perf_counter(); ed.edit(inv, ps); torch.cuda.synchronize()
        rows.append((k, f'{k / (time.perf_counter() - t0):.2f} edits/s'))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--prompts', type=int, default=32, help='number of edit prompts (default 32)')
    ap.add_argument('--seeds', type=int, default=3, help='number of seeds (default 3)')
    ap.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch default)')
    ap.add_argument('--ks', default='1,2,4,8,16', help='batch sizes for the per-K table')
    ap.add_argument('--no-reference', action='store_true', help='skip the (slow) reference procedure')
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    ks = [int(k) for k in a.ks.split(',')]
    pipe, params, image, all_prompts = toy_setup()
    prompts = (all_prompts * (a.prompts // len(all_prompts) + 1))[:a.prompts]
    seeds = list(range(a.seeds))
    print(f'# diffex editing benchmark: toy model, {len(prompts)} prompts ({len(set(prompts))} distinct), {len(seeds)} seeds')
    print(f'# CPU: {platform.processor() or platform.machine()}, torch {torch.__version__}, threads {torch.get_num_threads()}; '
          f'params {params}')
    print()
    b_ev, b_s = engine(pipe, params, image, prompts, seeds)
    if a.no_reference: r_ev, r_s = None, None
    else: r_ev, r_s = reference(pipe, params, image, prompts, seeds)
    print('| procedure | UNet evals | seconds |')
    print('|---|---:|---:|')
    if r_ev is not None: print(f'| (a) reference: re-invert per keyword and seed, stock edit | {r_ev} | {r_s:.1f} |')
    print(f'| (b) diffex engine: invert once per seed, null edit, batched edits | {b_ev} | {b_s:.1f} |')
    if r_ev is not None: print(f'| ratio (a)/(b) | {r_ev / b_ev:.2f}x | {r_s / b_s:.2f}x |')
    print()
    print('| K (edits per loop) | seconds per edit (CPU, toy) |')
    print('|---:|---:|')
    for k, s in per_k(pipe, params, image, all_prompts, ks): print(f'| {k} | {s:.3f} |')
    print()
    print('| K | SD 1.5 architecture, random weights, 512 px, fp16 (GPU) |')
    print('|---:|---|')
    for k, s in gpu_rows(ks): print(f'| {k} | {s} |')


if __name__ == '__main__':
    main()
