"""Export a training checkpoint's EMA or raw (non-EMA) weights as a model folder, to compare them on the gates.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/toy_instruct/export_ckpt.py runs/toy_instruct/checkpoint.pt OUT [--raw]
"""
import argparse
import torch

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('checkpoint'); p.add_argument('out'); p.add_argument('--raw', action='store_true', help='the raw weights, not the EMA')
    a = p.parse_args()
    torch.set_num_threads(1)
    from diffex.toyinstruct import instruct_tokenizer, _start_models, export_instruct
    from diffex.toytrain import load_checkpoint
    ck = load_checkpoint(a.checkpoint)
    tok = instruct_tokenizer()
    unet, te = _start_models(None, tok)
    unet.load_state_dict(ck['unet' if a.raw else 'ema_unet']); te.load_state_dict(ck['te' if a.raw else 'ema_te'])
    tok([''], padding='max_length', max_length=tok.model_max_length, truncation=True)   # as in training: the saved tokenizer.json
    export_instruct(unet, te, tok, a.out, step=ck['step'])                             # then records that padding, as the run's exports do
    print(f"step {ck['step']} ({'raw' if a.raw else 'EMA'}) -> {a.out}")

if __name__ == '__main__': main()
