"""Cost per edit of an instruction editor (InstructPix2Pix) beside LEDITS++, on randomly initialised models of the same
reduced SD-1.5-like shape (4 UNet levels, a KL VAE with scale factor 8): UNet evaluations and seconds, on this machine.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/toy_instruct/cost.py [--size 128] [--steps 20] [--k 8]

Not SD 1.5's size (memory here is shared): the UNet has block widths 32-64-128-128, so seconds are this shape's, while the
UNet evaluation counts are the editors' own and hold at any size.
"""
import argparse, time
import numpy as np
import torch
from PIL import Image

def components(size, seed=0):
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel
    from diffex.tiny import tiny_tokenizer
    torch.manual_seed(seed)
    tok = tiny_tokenizer(max_length=77)
    te = CLIPTextModel(CLIPTextConfig(vocab_size=len(tok), hidden_size=128, intermediate_size=256, num_hidden_layers=4,
                                      num_attention_heads=4, max_position_embeddings=77, bos_token_id=0, eos_token_id=1, pad_token_id=1))
    vae = AutoencoderKL(block_out_channels=(16, 32, 64, 64), down_block_types=('DownEncoderBlock2D',) * 4,
                        up_block_types=('UpDecoderBlock2D',) * 4, latent_channels=4, layers_per_block=1, norm_num_groups=8,
                        sample_size=size)
    def unet(ch): return UNet2DConditionModel(sample_size=size // 8, in_channels=ch, out_channels=4, layers_per_block=2,
                                              block_out_channels=(32, 64, 128, 128), norm_num_groups=8,
                                              down_block_types=('CrossAttnDownBlock2D',) * 3 + ('DownBlock2D',),
                                              up_block_types=('UpBlock2D',) + ('CrossAttnUpBlock2D',) * 3,
                                              cross_attention_dim=128, attention_head_dim=8)
    kw = dict(num_train_timesteps=1000, beta_schedule='scaled_linear', beta_start=0.00085, beta_end=0.012)
    return tok, te, vae, unet, kw

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--size', type=int, default=128, help='image side, px (default 128)')
    p.add_argument('--steps', type=int, default=20, help='denoising steps of both editors (default 20)')
    p.add_argument('--k', type=int, default=8, help='edits of one image (default 8)')
    a = p.parse_args()
    torch.set_num_threads(1)
    from diffex.editing import quiet_processor_note
    with quiet_processor_note():
        from diffusers import (DPMSolverMultistepScheduler, EulerAncestralDiscreteScheduler, LEditsPPPipelineStableDiffusion,
                               StableDiffusionInstructPix2PixPipeline)
    from diffex.ledits import LeditsEditor
    from diffex.instruct import InstructEditor
    tok, te, vae, unet, kw = components(a.size)
    ip = StableDiffusionInstructPix2PixPipeline(vae=vae, text_encoder=te, tokenizer=tok, unet=unet(8),
                                                scheduler=EulerAncestralDiscreteScheduler(**kw), safety_checker=None,
                                                feature_extractor=None, requires_safety_checker=False)
    le = LEditsPPPipelineStableDiffusion(vae=vae, text_encoder=te, tokenizer=tok, unet=unet(4),
                                         scheduler=DPMSolverMultistepScheduler(**kw, algorithm_type='sde-dpmsolver++', solver_order=2,
                                                                                   steps_offset=1),
                                         safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    img = Image.fromarray((np.random.default_rng(0).random((a.size, a.size, 3)) * 255).astype(np.uint8))
    prompts = (['beard', 'glasses', 'hat', 'smiling', 'red hair', 'face', 'a', 'photo'] * 4)[:a.k]
    eds = dict(instruct=InstructEditor(ip, batch_size=a.k, num_inference_steps=a.steps),
               ledits=LeditsEditor(le, batch_size=a.k, num_inversion_steps=a.steps, use_masks=False))
    print(f'{a.size} px, {a.steps} steps, UNet blocks 32-64-128-128 (random weights), 1 CPU thread; '
          f'{sum(q.numel() for q in ip.unet.parameters()) / 1e6:.1f} M UNet parameters')
    print(f"{'editor':9s} {'invert evals':>12s} {'invert s':>9s} {'null evals':>10s} {'null s':>7s} {'K':>3s} "
          f"{'K edits evals':>13s} {'K edits s':>9s} {'evals/edit':>10s} {'s/edit':>7s}")
    for name, ed in eds.items():
        t = time.time(); inv = ed.invert(img, seed=0); ti, ui = time.time() - t, ed.unet_evals
        t = time.time(); ed.reconstruct(inv); tn, un = time.time() - t, ed.unet_evals - ui
        t = time.time(); ed.edit(inv, prompts); tk, uk = time.time() - t, ed.unet_evals - ui - un
        print(f'{name:9s} {ui:12d} {ti:9.2f} {un:10d} {tn:7.2f} {a.k:3d} {uk:13d} {tk:9.2f} {uk / a.k:10.1f} {tk / a.k:7.2f}',
              flush=True)

if __name__ == '__main__': main()
