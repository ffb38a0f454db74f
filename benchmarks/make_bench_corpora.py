"""Write the fixed benchmark corpora `diffex/corpora/bench/toy_100.json` and `toy_260.json` (issue 22).

    python benchmarks/make_bench_corpora.py          # rewrites both files; a diff afterwards means they drifted

Both extend the toy corpus (every toy path and prompt kept, so the toy classifiers' causes and the oracle editor's
prompts are unchanged) with distractors the toy world cannot draw (`toyworld.EDITS` has none of them):

- toy_100, shaped like the built-in faces corpus: ~11 families, editable items with 3-7 sub-types, about 100 leaves;
  the added semantics are mostly siblings of the causes (more hair colours and styles, beard, glasses and hat kinds).
- toy_260, shaped the way the DiffEx reference mines: about ten first-level items with 20-25 keywords each (hair
  colour, hair style, beard, moustache, glasses, sunglasses, hat, earrings, necklace, makeup, tattoo) plus the toy's
  one-word items, about 260 leaves. As in a reference file imported with `SemanticTree.from_diffex`, every item is
  editable: 'hair colour' and 'hair style' (groups in the toy and faces corpora) are edited with those words.

Distractor prompts avoid the words the toy model draws on their own (colours, 'grey', 'long', 'full', 'square', ...)
except the parent noun a real sub-type carries ('chin strap beard'), so a distractor is a true distractor."""
import json
from pathlib import Path

from diffex import toyworld
from diffex.corpus import SemanticTree

OUT = Path(__file__).parents[1]/'diffex'/'corpora'/'bench'
D = 'Distractor: never drawn by the toy world.'

def leaf(name, prompt=None): return dict(name=name, prompt=prompt or name, description=D)

def extend(node: dict, path: str, kids: list, make_editable: str|None = None):
    "Append distractor leaves `kids` (names, or (name, prompt)) below `path` of the corpus dict `node`."
    n = node
    for part in path.split('/'): n = next(c for c in n['children'] if c['name'] == part)
    n.setdefault('children', [])
    if make_editable:                      # an item the reference format makes editable, edited with its own words
        n.pop('editable', None); n['prompt'] = make_editable
    have = {c['name'] for c in n['children']}
    for k in kids:
        name, prompt = k if isinstance(k, tuple) else (k, k)
        if name not in have: n['children'].append(leaf(name, prompt))
    return n

def toy_100() -> dict:
    d = SemanticTree.builtin('toy').to_dict()
    r = d['root']
    extend(r, 'hair/hair colour', [(c, f'{c} hair') for c in
           ['auburn', 'platinum', 'chestnut', 'copper', 'silver', 'white', 'ginger', 'ash']])
    extend(r, 'hair/hair style', [('curly', 'curly hair'), ('wavy', 'wavy hair'), ('ponytail', 'ponytail'),
                                  ('braids', 'braids'), ('bun', 'hair bun'), ('buzz cut', 'buzz cut')])
    extend(r, 'facial hair/beard', ['stubble', 'chin strap beard', 'van dyke beard', 'mutton chops'])
    extend(r, 'facial hair/moustache', ['handlebar moustache', 'pencil moustache', 'walrus moustache'])
    extend(r, 'facial hair', ['sideburns'])
    extend(r, 'eyewear/glasses', ['rimless glasses', 'cat-eye glasses', 'thick-rimmed glasses'])
    extend(r, 'eyewear/sunglasses', ['aviator sunglasses', 'mirrored sunglasses', 'wayfarer sunglasses'])
    extend(r, 'eyewear', ['monocle'])
    extend(r, 'headwear/hat', ['fedora', 'cowboy hat', 'sun hat', 'beret', 'bowler hat', 'panama hat'])
    extend(r, 'headwear', ['headscarf', 'headband'])
    extend(r, 'expression', ['laughing', 'surprised', 'angry', 'sad'])
    extend(r, 'skin tone', [('pale', 'pale skin'), ('olive', 'olive skin')])
    extend(r, 'background', [('orange', 'orange background'), ('white', 'white background'),
                             ('teal', 'teal background')])
    extend(r, 'accessories/earrings', ['hoop earrings', 'stud earrings', 'drop earrings'])
    extend(r, 'accessories/necklace', ['pendant necklace', 'pearl necklace', 'choker necklace'])
    extend(r, 'accessories', ['necktie', 'brooch', 'locket'])
    extend(r, 'skin details/makeup', ['eyeliner', 'eyeshadow', 'blush', 'mascara'])
    extend(r, 'skin details/lipstick', ['matte lipstick', 'glossy lipstick', 'nude lipstick'])
    extend(r, 'skin details', ['acne', 'mole', 'wrinkles', 'rosy cheeks', 'scar', 'dimples', 'birthmark'])
    return stamped(d, 'the toy corpus extended to about 100 leaves, shaped like the built-in faces corpus, with '
                      'distractor siblings of the causes that the toy world never draws.')

HAIR_COLOURS = ['auburn', 'platinum', 'chestnut', 'copper', 'silver', 'white', 'ginger', 'strawberry', 'honey',
                'ash', 'caramel', 'mahogany', 'burgundy', 'violet', 'teal', 'turquoise', 'lilac', 'rose gold',
                'charcoal', 'sandy']
HAIR_STYLES = [('curly', 'curly hair'), ('wavy', 'wavy hair'), ('straight', 'straight hair'), ('ponytail', 'ponytail'),
               ('braids', 'braids'), ('bun', 'hair bun'), ('buzz cut', 'buzz cut'), ('mohawk', 'mohawk'),
               ('dreadlocks', 'dreadlocks'), ('afro', 'afro'), ('pixie cut', 'pixie cut'), ('bob', 'bob haircut'),
               ('bangs', 'bangs'), ('crew cut', 'crew cut'), ('undercut', 'undercut'), ('mullet', 'mullet'),
               ('cornrows', 'cornrows'), ('pigtails', 'pigtails'), ('quiff', 'quiff'), ('side part', 'side part'),
               ('slicked back', 'slicked back hair')]
BEARDS = ['stubble', 'chin strap beard', 'van dyke beard', 'mutton chops', 'circle beard', 'anchor beard',
          'balbo beard', 'garibaldi beard', 'ducktail beard', 'verdi beard', 'bandholz beard', 'soul patch',
          'chin curtain', 'hollywoodian beard', 'box beard', 'spade beard', 'forked beard', 'braided beard',
          'patchy beard', 'trimmed beard', 'scruffy beard', 'viking beard']
MOUSTACHES = ['handlebar moustache', 'pencil moustache', 'walrus moustache', 'chevron moustache', 'horseshoe moustache',
              'dali moustache', 'english moustache', 'fu manchu moustache', 'toothbrush moustache', 'lampshade moustache',
              'painter moustache', 'pyramid moustache', 'imperial moustache', 'hungarian moustache', 'thin moustache',
              'bushy moustache', 'curled moustache', 'waxed moustache', 'droopy moustache', 'trimmed moustache']
GLASSES = ['rimless glasses', 'cat-eye glasses', 'thick-rimmed glasses', 'wire-rimmed glasses', 'half-rim glasses',
           'oval glasses', 'rectangular glasses', 'aviator glasses', 'browline glasses', 'reading glasses',
           'safety glasses', 'horn-rimmed glasses', 'clubmaster glasses', 'geometric glasses', 'oversized glasses',
           'tortoiseshell glasses', 'metal glasses', 'plastic glasses', 'bifocal glasses', 'octagonal glasses']
SUNGLASSES = ['aviator sunglasses', 'mirrored sunglasses', 'wayfarer sunglasses', 'sport sunglasses',
              'cat-eye sunglasses', 'oversized sunglasses', 'shield sunglasses', 'wraparound sunglasses',
              'clubmaster sunglasses', 'polarized sunglasses', 'gradient sunglasses', 'rimless sunglasses',
              'hexagonal sunglasses', 'butterfly sunglasses', 'tinted sunglasses', 'rectangular sunglasses',
              'visor sunglasses', 'folding sunglasses', 'retro sunglasses', 'oval sunglasses']
HATS = ['fedora', 'cowboy hat', 'sun hat', 'beret', 'bowler hat', 'panama hat', 'trilby', 'bucket hat',
        'straw hat', 'sombrero', 'fez', 'flat cap', 'newsboy cap', 'trucker hat', 'boater', 'pork pie hat',
        'deerstalker', 'turban', 'helmet', 'visor', 'beanie with pompom', 'stetson']
EARRINGS = ['hoop earrings', 'stud earrings', 'drop earrings', 'dangle earrings', 'chandelier earrings',
            'huggie earrings', 'cluster earrings', 'threader earrings', 'tassel earrings', 'ear cuff',
            'pearl earrings', 'diamond earrings', 'feather earrings', 'clip-on earrings', 'crystal earrings',
            'teardrop earrings', 'geometric earrings', 'button earrings', 'jacket earrings', 'barbell earrings']
NECKLACES = ['pendant necklace', 'pearl necklace', 'choker necklace', 'chain necklace', 'locket', 'bib necklace',
             'lariat necklace', 'collar necklace', 'beaded necklace', 'rope necklace', 'opera necklace',
             'matinee necklace', 'princess necklace', 'torque necklace', 'charm necklace', 'cross necklace',
             'name necklace', 'layered necklace', 'statement necklace', 'shell necklace']
MAKEUP = ['eyeliner', 'eyeshadow', 'blush', 'mascara', 'foundation', 'concealer', 'bronzer', 'highlighter',
          'contour', 'false eyelashes', 'eyebrow pencil', 'glitter makeup', 'smoky eye makeup', 'winged eyeliner',
          'face powder', 'primer', 'setting spray', 'lip liner', 'lip gloss', 'stage makeup']
TATTOOS = ['face tattoo', 'neck tattoo', 'tribal tattoo', 'floral tattoo', 'teardrop tattoo', 'star tattoo',
           'script tattoo', 'dotwork tattoo', 'geometric tattoo', 'maori tattoo', 'henna tattoo', 'cross tattoo',
           'heart tattoo', 'anchor tattoo', 'skull tattoo', 'butterfly tattoo', 'snake tattoo', 'dragon tattoo',
           'rose tattoo', 'minimalist tattoo']

def toy_260() -> dict:
    d = SemanticTree.builtin('toy').to_dict()
    r = d['root']
    extend(r, 'hair/hair colour', [(c, f'{c} hair') for c in HAIR_COLOURS], make_editable='hair colour')
    extend(r, 'hair/hair style', HAIR_STYLES, make_editable='hair style')
    extend(r, 'facial hair/beard', BEARDS)
    extend(r, 'facial hair/moustache', MOUSTACHES)
    extend(r, 'eyewear/glasses', GLASSES)
    extend(r, 'eyewear/sunglasses', SUNGLASSES)
    extend(r, 'headwear/hat', HATS)
    extend(r, 'accessories/earrings', EARRINGS)
    extend(r, 'accessories/necklace', NECKLACES)
    extend(r, 'skin details/makeup', MAKEUP)
    extend(r, 'skin details/tattoo', TATTOOS)
    return stamped(d, 'the toy corpus extended to about 260 keywords, shaped the way the DiffEx reference mines '
                      '(about ten first-level items with 20-25 keywords each), with distractor siblings the toy world '
                      'never draws.')

def stamped(d: dict, what: str) -> dict:
    "`d` with the provenance of a fixed benchmark corpus that is `what`."
    d['provenance'] = dict(d['provenance'], source='hand-curated', date='2026-11-30',
                           description=f'Benchmark corpus (issue 22): {what}',
                           notes='Written by benchmarks/make_bench_corpora.py; fixed so the comparison cannot drift.')
    return d

def check(d: dict) -> SemanticTree:
    t = SemanticTree.from_dict(d).validate()
    toy = SemanticTree.builtin('toy')
    for p in toyworld.EDITS: assert t[p].prompt == toy[p].prompt, p        # causes and oracle prompts unchanged
    new = [n.path_str for n in t.editable_nodes() if n.path_str not in toy]
    assert not set(new) & set(toyworld.EDITS), 'a distractor the toy world can draw'
    prompts = [n.prompt for n in t.editable_nodes()]
    assert len(prompts) == len(set(prompts)), 'duplicate prompts'
    return t

if __name__ == '__main__':
    OUT.mkdir(parents=True, exist_ok=True)
    for name, d in [('toy_100', toy_100()), ('toy_260', toy_260())]:
        t = check(d)
        (OUT/f'{name}.json').write_text(json.dumps(d, indent=1, ensure_ascii=False) + '\n')
        from diffex.baselines import reference_items, reference_keywords
        items = reference_items(t)
        big = [(i.name, len(reference_keywords(i))) for i in items if reference_keywords(i)]
        print(f'{name}: {t.summary()}; reference items {len(items)}, with keywords: {big}')
