"""Draw the landing page's picture of one explanation: the face, its top edits with their effects, and the tree.

Runs the README's Quickstart (the toy world, offline, CPU; about a minute) and writes `nbs/images/explanation.png`,
which `nbs/index.ipynb` shows (and so README.md). Rerun it when the toy world or the plots change:

    .venv/bin/python tools/index_figure.py
"""
import io, sys
from pathlib import Path
from PIL import Image
from diffex import toyworld
from diffex.explain import explain
from diffex.plots import edit_grid, fig_png, tree_plot

OUT = Path(__file__).resolve().parents[1]/'nbs'/'images'/'explanation.png'

def stacked_png(top: bytes, bottom: bytes, gap: int = 16) -> Image.Image:
    "Two PNGs one above the other on white, centred: each keeps its size in the docs' 760 px text column."
    a, b = (Image.open(io.BytesIO(x)).convert('RGB') for x in (top, bottom))
    w = max(a.width, b.width)
    im = Image.new('RGB', (w, a.height + gap + b.height), 'white')
    im.paste(a, ((w - a.width) // 2, 0)); im.paste(b, ((w - b.width) // 2, a.height + gap))
    return im

def main(out: Path = OUT):
    world = toyworld.load()
    face, image = world.sample(1, seed=0)[0]                      # the Quickstart's face and call
    ex = explain(image, world.classifier('older'), world.editor(), world.corpus, target='older',
                 seeds=3, verifier=world.verifier(), progress=False)
    grid = fig_png(edit_grid(ex, k=3, size=1.2))
    tree = fig_png(tree_plot(ex, width=7.4, height=5.6))
    out.parent.mkdir(parents=True, exist_ok=True)
    stacked_png(grid, tree).save(out, optimize=True)
    print(f'{out}: {ex.top(3)}')

if __name__ == '__main__': main(*(Path(a) for a in sys.argv[1:2]))
