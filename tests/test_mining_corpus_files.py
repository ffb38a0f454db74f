"""Corpus files: round trips, one test per kind of bad file, DiffEx-format import, the built-in corpora, and the shipped
JSON Schema agreeing with the validator."""
import copy, json
from pathlib import Path

import jsonschema
import pytest

from diffex.corpus import SemanticNode, SemanticTree, CorpusError, schema

GOOD = {'format': 'diffex-corpus', 'version': 1, 'domain': 'faces',
        'provenance': {'source': 'test', 'date': '2026-01-01'},
        'root': {'name': 'faces', 'editable': False, 'children': [
            {'name': 'facial hair', 'editable': False, 'children': [
                {'name': 'beard', 'description': 'hair on the chin', 'synonyms': ['facial beard'],
                 'children': [{'name': 'goatee'}, {'name': 'full beard'}]},
                {'name': 'moustache', 'prompt': 'a thick moustache'}]},
            {'name': 'hair colour', 'editable': False, 'context': 'hair', 'children': [{'name': 'red'}, {'name': 'black'}]}]}}


def write(tmp_path, obj, name='corpus.json'):
    p = tmp_path/name
    p.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return p


def test_round_trip_file(tmp_path):
    t = SemanticTree.load(write(tmp_path, GOOD))
    assert t.to_dict() == GOOD
    p = t.save(tmp_path/'again.json')
    assert json.loads(p.read_text()) == GOOD
    assert SemanticTree.load(p).to_dict() == GOOD
    assert t['facial hair/beard/goatee'].prompt == 'goatee beard'
    assert t['facial hair/moustache'].prompt == 'a thick moustache'
    assert t['hair colour/red'].prompt == 'red hair'
    assert [n.path_str for n in t.leaves()] == ['facial hair/beard/goatee', 'facial hair/beard/full beard',
                                                'facial hair/moustache', 'hair colour/red', 'hair colour/black']


def test_round_trip_from_python(tmp_path):
    t = SemanticTree(SemanticNode('birds', [SemanticNode('beak', [SemanticNode('hooked')], description='the bill')], editable=False),
                     provenance={'source': 'python'})
    t2 = SemanticTree.from_dict(json.loads(json.dumps(t.to_dict())))
    assert t2.to_dict() == t.to_dict() and t2['beak/hooked'].prompt == 'hooked beak'


def test_save_is_atomic_and_refuses_bad_trees(tmp_path):
    p = tmp_path/'c.json'
    SemanticTree.from_dict(GOOD).save(p)
    before = p.read_text()
    bad = SemanticTree.from_dict(GOOD)
    bad['facial hair'].add(SemanticNode('Beard'))
    with pytest.raises(CorpusError, match='duplicate of sibling'): bad.save(p)
    assert p.read_text() == before                         # the old file is untouched
    assert sorted(f.name for f in tmp_path.iterdir()) == ['c.json']


def with_node(path, **changes):
    "GOOD with the node at index path `path` changed (None deletes a key)."
    d = copy.deepcopy(GOOD)
    n = d['root']
    for i in path: n = n['children'][i]
    for k, v in changes.items():
        if v is None: n.pop(k, None)
        else: n[k] = v
    return d

beard_kids = lambda kids: with_node([0, 0], children=kids)

# kind -> (file content, fragment that must be in the error, whether the JSON Schema can see it)
BAD = {
    'not_json': ('{"format": "diffex-corpus",\n "version": 1,\n "root": {"name": "x",}', 'not valid JSON: Expecting property name enclosed in double quotes at line 3', None),
    'top_level_not_object': ([GOOD], 'a corpus file must be a JSON object, got list', True),
    'wrong_format_tag': ({**GOOD, 'format': 'something-else'}, "<file>: format must be 'diffex-corpus', got 'something-else'", True),
    'version_too_new': ({**GOOD, 'version': 2}, '<file>: version 2 is newer than this diffex understands (1)', True),
    'version_not_int': ({**GOOD, 'version': '1'}, "<file>: version must be a positive integer, got '1'", True),
    'missing_domain': ({k: v for k, v in GOOD.items() if k != 'domain'}, '<file>: domain must be a non-empty string, got None', True),
    'missing_root': ({k: v for k, v in GOOD.items() if k != 'root'}, '<file>: root is missing', True),
    'unknown_top_key': ({**GOOD, 'categories': {}}, "<file>: unknown top-level key 'categories'", True),
    'provenance_not_object': ({**GOOD, 'provenance': 'me'}, '<file>: provenance must be an object, got str', True),
    'empty_name': (beard_kids([{'name': 'goatee'}, {'name': '   '}]), 'facial hair/beard/[1]: name is empty', True),
    'missing_name': (beard_kids([{'name': 'goatee'}, {'description': 'x'}]), 'facial hair/beard/[1]: name is missing', True),
    'name_not_string': (beard_kids([{'name': 7}]), 'facial hair/beard/[0]: name must be a string, got int 7', True),
    'name_with_slash': (beard_kids([{'name': 'goatee/chin'}]), 'facial hair/beard/[0]: name \'goatee/chin\' contains "/"', True),
    'duplicate_siblings': (beard_kids([{'name': 'Goatee'}, {'name': ' goatee  '}]),
                           "facial hair/beard/goatee: duplicate of sibling 'Goatee' (children [0] and [1] of facial hair/beard", False),
    'cycle_by_name': (beard_kids([{'name': 'goatee', 'children': [{'name': 'Beard'}]}]),
                      "facial hair/beard/goatee/Beard: cycle: 'Beard' repeats an ancestor of the same name", False),
    'children_not_list': (with_node([0, 0], children={'name': 'goatee'}), 'facial hair/beard: children must be a list of nodes, got dict', True),
    'child_not_object': (beard_kids(['goatee', 'full beard']), "facial hair/beard/[0]: a node must be a JSON object, got str 'goatee'", True),
    'synonyms_not_list': (with_node([0, 0], synonyms='facial beard'), 'facial hair/beard: synonyms must be a list of strings, got str', True),
    'synonym_not_string': (with_node([0, 0], synonyms=['ok', 3]), 'facial hair/beard: synonyms[1] must be a string, got int 3', True),
    'editable_not_bool': (with_node([0], editable='no'), "facial hair: editable must be true or false, got 'no'", True),
    'prompt_not_string': (with_node([0, 1], prompt=['a']), 'facial hair/moustache: prompt must be a string, got list', True),
    'prompt_empty': (with_node([0, 1], prompt=' '), 'facial hair/moustache: prompt is empty', True),
    'description_null': (with_node([0, 0], description=None), None, None),   # filled in below: deleting is fine, null is not
    'unknown_node_key': (with_node([0, 0], childern=[]), "facial hair/beard: unknown key 'childern'", True),
    'name_with_newline': (beard_kids([{'name': 'goat\nee'}]), "facial hair/beard/[0]: name 'goat\\nee' contains the control character U+000A", True),
    'name_with_nul': (beard_kids([{'name': 'goatee\x00'}]), 'contains the control character U+0000', True),
    'name_trailing_newline': (beard_kids([{'name': 'goatee\n'}]), 'contains the control character U+000A', True),
    'name_too_long': (beard_kids([{'name': 'g' * 201}]), 'facial hair/beard/[0]: name is 201 characters long, more than 200', True),
    'name_invisible': (beard_kids([{'name': '\u200b\u2060'}]), 'facial hair/beard/[0]: name', False),   # the schema cannot see Unicode categories
    'too_deep': (with_node([0, 0], children=[{'name': 'n0'}]), None, None),                             # filled in below
    'domain_with_newline': ({**GOOD, 'domain': 'fa\nces'}, '<file>: domain', True),
    'provenance_too_nested': ({**GOOD, 'provenance': {'a': [[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}}, 'provenance nests objects or lists more than 16 deep', False),
}
d = copy.deepcopy(GOOD); d['root']['children'][0]['children'][0]['description'] = None
BAD['description_null'] = (d, 'facial hair/beard: description must be a string, got NoneType', True)
d = copy.deepcopy(GOOD); cur = d['root']['children'][0]['children'][0]
for i in range(400): cur["children"] = [{"name": f"n{i}"}]; cur = cur["children"][0]   # deep enough; writing deeper trips json.dumps in this test itself
BAD['too_deep'] = (d, 'levels below the root; a corpus may be at most 64 levels deep (MAX_DEPTH)', None)   # the schema recurses too deep to tell


@pytest.mark.parametrize('kind', list(BAD))
def test_bad_file(kind, tmp_path):
    content, fragment, schema_sees = BAD[kind]
    p = write(tmp_path, content)
    with pytest.raises(CorpusError) as e:
        SemanticTree.load(p)
    msg = str(e.value)
    assert fragment in msg, msg
    assert msg.startswith(str(p)), msg                        # the file is named
    if schema_sees is not None:                               # the shipped schema agrees where it can express the rule
        errors = list(jsonschema.Draft202012Validator(schema()).iter_errors(content))
        assert bool(errors) == schema_sees, (kind, [x.message for x in errors])


@pytest.mark.parametrize('name', ['beard!', 'beard?', '🧔', '👓', '$\\frac{a$', '<b>', "l'œil", 'a' * 200, '👨\u200d👩\u200d👧'])
def test_unusual_names_are_valid(name, tmp_path):
    t = SemanticTree.load(write(tmp_path, beard_kids([{'name': name}, {'name': 'goatee'}])))
    assert t['facial hair/beard'].children[0].name == name
    assert not list(jsonschema.Draft202012Validator(schema()).iter_errors(t.to_dict()))
    assert SemanticTree.load(t.save(tmp_path/'again.json')).to_dict() == t.to_dict()


def test_bad_file_not_utf8(tmp_path):
    p = tmp_path/'c.json'; p.write_bytes(b'\xff\xfe\x00{')
    with pytest.raises(CorpusError, match='not a UTF-8 text file'): SemanticTree.load(p)


def test_object_cycle_in_python_dict():
    d = copy.deepcopy(GOOD)
    beard = d['root']['children'][0]['children'][0]
    beard['children'].append(beard)
    with pytest.raises(CorpusError, match='facial hair/beard/beard: cycle: this node contains itself'):
        SemanticTree.from_dict(d)


def test_every_problem_is_reported_at_once(tmp_path):
    d = beard_kids([{'name': ''}, {'name': 'x', 'synonyms': 'y'}, {'name': 'X'}])
    d['version'] = 5
    with pytest.raises(CorpusError) as e: SemanticTree.load(write(tmp_path, d))
    assert len(e.value.problems) == 4, e.value.problems
    assert e.value.problems[0].startswith('<file>: version 5')


def test_good_files_pass_the_schema():
    v = jsonschema.Draft202012Validator(schema())
    v.check_schema(schema())
    assert not list(v.iter_errors(GOOD))
    for name in SemanticTree.builtins():
        assert not list(v.iter_errors(json.loads((Path(__file__).parents[1]/'diffex'/'corpora'/f'{name}.json').read_text()))), name


# ------------------------------------------------------------------ DiffEx reference formats

def test_diffex_flat(tmp_path):
    p = write(tmp_path, {'domain': 'people', 'categories': {'Facial hair': ['beard', 'moustache', 'Beard'], 'eyewear': ['glasses']}})
    t = SemanticTree.load(p)                                  # recognised by its `categories` key
    assert [n.path_str for n in t.leaves()] == ['Facial hair/beard', 'Facial hair/moustache', 'eyewear/glasses']
    assert not t['Facial hair'].editable and t['Facial hair/beard'].editable
    assert t.provenance['source'] == 'diffex-reference-format' and t.provenance['imported_from'] == str(p)
    assert SemanticTree.from_diffex(p).to_dict()['root'] == t.to_dict()['root']


def test_diffex_nested_like_the_reference_repo():
    d = {'domain': 'people', 'categories': {'accessories': {'hat': ['fedora', 'beanie', 'baseball cap', 'wide-brim', 'straw']}}}
    t = SemanticTree.from_diffex(d)
    assert t.depth == 3 and t.n_leaves == 5
    assert t['accessories/hat/fedora'].prompt == 'fedora hat'
    assert t['accessories/hat/baseball cap'].path == ('accessories', 'hat', 'baseball cap')
    assert SemanticTree.from_dict(t.to_dict()).to_dict() == t.to_dict()


@pytest.mark.parametrize('d,fragment', [
    ({'domain': 'p', 'categories': {'hats': ['cap', 3]}}, 'hats/[1]: keywords must be strings, got int 3'),
    ({'domain': 'p', 'categories': {'a': {'hat': ['cap', None]}}}, 'a/hat/[1]: keywords must be strings, got NoneType None'),
    ({'domain': 'p', 'categories': {'a': {'hat': 'cap'}}}, 'a/hat: keywords must be a list of strings, got str'),
    ({'domain': 'p', 'categories': ['hat']}, '<file>: categories must be an object, got list'),
    ({'categories': {'a': ['b']}}, '<file>: domain must be a non-empty string, got None'),
    ({'domain': 'p', 'categories': {'a': ['', 'b']}}, 'a/[0]: keyword is empty'),
    ({'domain': 'p', 'categories': {'a': {'b': ['c']}, 'A': ['d']}}, "A: duplicate of sibling 'a'"),
], ids=['non_string_leaf', 'null_leaf', 'keywords_not_list', 'categories_not_object', 'no_domain', 'empty_keyword', 'duplicate_category'])
def test_diffex_bad(d, fragment):
    with pytest.raises(CorpusError) as e: SemanticTree.from_diffex(d)
    assert fragment in str(e.value), str(e.value)


# ------------------------------------------------------------------ merge

def test_merge_dedupes_synonyms_and_keeps_inputs():
    a = SemanticTree.from_dict(GOOD)
    b = SemanticTree(SemanticNode('faces', [SemanticNode('Facial Hair', [
        SemanticNode('facial beard', [SemanticNode('stubble'), SemanticNode('GOATEE', synonyms=['chin beard', 'Chin Beard'])]),
        SemanticNode('sideburns')], editable=False)], editable=False))
    m = a.merge(b)
    assert [n.path_str for n in m['facial hair/beard'].children] == ['facial hair/beard/goatee', 'facial hair/beard/full beard', 'facial hair/beard/stubble']
    assert m['facial hair/beard/goatee'].synonyms == ['chin beard']   # 'GOATEE' is the name itself, 'Chin Beard' a duplicate
    assert m['facial hair/beard'].synonyms == ['facial beard']
    assert 'facial hair/sideburns' in m and a.n_leaves == 5 and b.n_leaves == 3
    assert m.n_leaves == 7


# ------------------------------------------------------------------ built-in corpora

PAPER = ['architecture', 'birds', 'faces', 'fashion', 'food', 'pets_wildcats', 'plant_leaves', 'retina']

def test_builtins_listed():
    assert SemanticTree.builtins() == sorted(PAPER + ['toy'])


@pytest.mark.parametrize('name', PAPER)
def test_builtin_paper_domain(name):
    t = SemanticTree.builtin(name).validate()
    assert len([n for n in t.leaves() if n.editable]) >= 40, t.summary()
    assert t.depth >= 3, t.summary()
    assert t.provenance['source'] == 'hand-curated'
    groups = [n for n in t.nodes() if not n.editable and n is not t.root]
    assert groups and all(g.description for g in groups), [g.path_str for g in groups if not g.description]
    prompts = [n.prompt for n in t.editable_nodes()]
    assert all(p.strip() and len(p.split()) <= 8 for p in prompts)


def test_builtin_toy_is_exact():
    t = SemanticTree.builtin('toy')
    expect = {
        'hair/hair colour': ['black hair', 'brown hair', 'blond hair', 'red hair', 'grey hair'],
        'hair/hair style': ['short hair', 'long hair', 'bald'],
        'facial hair/beard': ['goatee', 'full beard'],
        'eyewear/glasses': ['round glasses', 'square glasses'],
        'headwear/hat': ['cap', 'beanie', 'top hat'],
        'expression': ['smiling', 'neutral', 'frowning'],
        'skin tone': ['light skin', 'tan skin', 'dark skin'],
        'background': [f'{c} background' for c in ['blue', 'green', 'yellow', 'pink', 'purple']],
        'accessories': ['earrings', 'necklace', 'scarf', 'bow tie', 'mask'],
        'skin details': ['freckles', 'makeup', 'lipstick', 'tattoo'],
    }
    for path, prompts in expect.items():
        assert [c.prompt for c in t[path].children] == prompts, path
        assert all(c.explicit_prompt for c in t[path].children)
    for path, prompt in {'facial hair/beard': 'beard', 'facial hair/moustache': 'moustache', 'eyewear/glasses': 'glasses',
                         'eyewear/sunglasses': 'sunglasses', 'headwear/hat': 'hat'}.items():
        assert t[path].prompt == prompt and t[path].editable
    groups = ['hair', 'hair/hair colour', 'hair/hair style', 'facial hair', 'eyewear', 'headwear', 'expression',
              'skin tone', 'background', 'accessories', 'skin details']
    assert sorted(n.path_str for n in t.nodes() if not n.editable and n is not t.root) == sorted(groups)
    for p in ['accessories', 'skin details']:
        assert 'distractor' in t[p].description.lower()
        assert all('distractor' in c.description.lower() for c in t[p].children)


def test_unknown_builtin():
    with pytest.raises(CorpusError, match='no built-in corpus .cars.; the built-in corpora are: architecture, birds'):
        SemanticTree.builtin('cars')
