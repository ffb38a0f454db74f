"""The OpenAI-compatible backend against a real HTTP server on 127.0.0.1 that speaks chat completions and replays scripted
answers: malformed and truncated answers, rate limits, timeouts, server and client errors, the cache, and API keys."""
import json, logging
from pathlib import Path

import pytest
from PIL import Image

from diffex.corpus import SemanticTree
from diffex.mining import OpenAIBackend, MiningError, mine_corpus, CachedBackend
from diffex.tiny import ScriptedChatServer, toy_responder

SECRET = 'sk-test-DO-NOT-LEAK-4f7a9c'
TOP = json.dumps([{'name': 'facial hair', 'description': 'beards', 'editable': False}, {'name': 'eyewear', 'editable': False}])
GOOD_NAMES = ['facial hair', 'eyewear']


@pytest.fixture
def images(tmp_path):
    d = tmp_path/'imgs'; d.mkdir()
    for i, c in enumerate(['red', 'green', 'blue']): Image.new('RGB', (48, 40), c).save(d/f'{i}.png')
    return d


def backend(srv, **kw):
    kw = {'api_key': SECRET, 'retries': 2, 'backoff': 0.01, 'timeout': 5, **kw}
    return OpenAIBackend('scripted-vlm', base_url=srv.url, **kw)


# Each malformed top-level answer, and what must come of it: the names it is repaired to (repair in place, or after
# the repair prompt, which the server answers well), or the start of a clear error.
MALFORMED = {
    'code_fence_and_chatter': ('Of course! Here is the list:\n```json\n' + TOP + '\n```\nLet me know if you need more.', GOOD_NAMES, 1),
    'trailing_commas': ('[{"name": "facial hair",}, {"name": "eyewear"},]', GOOD_NAMES, 1),
    'truncated_mid_list': ('[{"name": "facial hair", "description": "beards"}, {"name": "eyewear", "description": "gla', GOOD_NAMES, 1),
    'truncated_in_second_name': ('[{"name": "facial hair"}, {"name": "eyew', ['facial hair'], 1),
    'unclosed_code_fence': ('```json\n["facial hair", "eyewear", "headw', GOOD_NAMES, 1),
    'python_literals_single_quotes': ("[{'name': 'facial hair', 'editable': False}, {'name': 'eyewear', 'editable': None}]", GOOD_NAMES, 1),
    'wrapper_object': ('{"attributes": ' + TOP + '}', GOOD_NAMES, 1),
    'name_to_description_map': ('{"facial hair": "beards and moustaches", "eyewear": "glasses"}', GOOD_NAMES, 1),
    'list_of_strings': ('["Facial hair", "1. eyewear", "facial hair"]', ['Facial hair', 'eyewear'], 1),
    'keys_do_not_match': ('[{"Attribute": "facial hair", "explanation": "x"}, {"label": "eyewear"}]', GOOD_NAMES, 1),
    'unquoted_keys_and_comments': ('[{name: "facial hair"}, // first\n {name: "eyewear"}]', GOOD_NAMES, 1),
    'prose_only': ('I am sorry, but I cannot identify attributes in these images.', GOOD_NAMES, 2),
    'empty_answer': ('', GOOD_NAMES, 2),
    'numbers_not_names': ('[1, 2, 3]', GOOD_NAMES, 2),
    'json_scalar': ('"facial hair"', GOOD_NAMES, 2),
    'empty_object': ('{}', GOOD_NAMES, 2),
    'truncated_before_first_item': ('[{"name": "faci', GOOD_NAMES, 2),
    'broken_beyond_repair': ('[{"name": "facial hair" "editable": false}]', GOOD_NAMES, 2),
    'cut_off_by_max_tokens': ({'answer': '[{"name": "facial hair"}, {"name": "eyewear"}, {"na', 'finish_reason': 'length'}, GOOD_NAMES, 1),
    # reasoning models: drafts in the thoughts are never the answer
    'reasoning_with_a_draft': ('<think> The images show faces... maybe ["age"] ... </think>' + TOP, GOOD_NAMES, 1),
    'reasoning_opened_in_the_prompt': ('Faces, so ["age"]? No.\n</think>\n\n' + TOP, GOOD_NAMES, 1),
    'reasoning_then_fence': ('<thinking>["age"]</thinking>\n```json\n' + TOP + '\n```', GOOD_NAMES, 1),
    'cut_off_while_reasoning': ({'answer': '<think>Families: ["age", "bea', 'finish_reason': 'length'}, GOOD_NAMES, 2),
    'only_reasoning': ('<think>["age"]</think>', GOOD_NAMES, 2),
    'draft_then_final_list': ('First idea: ["age"]. Final answer: ' + TOP, GOOD_NAMES, 1),
    'two_fences_last_wins': ('```json\n["age"]\n```\nBetter:\n```json\n' + TOP + '\n```', GOOD_NAMES, 1),
}


@pytest.mark.parametrize('kind', list(MALFORMED))
def test_malformed_top_level_answer(kind, images):
    answer, names, n_requests = MALFORMED[kind]
    with ScriptedChatServer([answer], responder=toy_responder) as srv:
        t = mine_corpus(images, 'faces', backend(srv), depth=1)
    assert [n.name for n in t.root.children] == names
    assert len(srv.requests) == n_requests
    if n_requests == 2:                                            # the repair prompt quoted the bad answer
        msgs = srv.requests[1]['body']['messages']
        assert msgs[-2] == {'role': 'assistant', 'content': answer if isinstance(answer, str) else answer['answer']}
        assert msgs[-1]['content'].startswith('Your previous answer could not be used')
        assert any('repaired by asking again' in n for n in t.provenance['notes'])


@pytest.mark.parametrize('second', ['still no JSON', '[]', '[null, 5]', '{"x": 1}'])
def test_unusable_twice_is_a_clear_error(second, images):
    with ScriptedChatServer(['Sorry, no.', second], responder=toy_responder) as srv:
        with pytest.raises(MiningError) as e:
            mine_corpus(images, 'faces', backend(srv), depth=1)
    msg = str(e.value)
    if second == '[]':
        assert "proposed no attribute families for 'faces'" in msg
    else:
        assert "<top level>: the model's answers could not be used, even after asking it to repair its answer" in msg
        assert "first answer (the answer contains no JSON list or object): 'Sorry, no.'" in msg
        assert repr(second) in msg                                 # the bad answer is shown


@pytest.mark.parametrize('kind', ['prose_only', 'truncated_before_first_item', 'numbers_not_names', 'truncated_mid_list'])
def test_malformed_expansion_never_leaves_a_silently_empty_node(kind, images):
    answer = MALFORMED[kind][0]
    with ScriptedChatServer([TOP, answer], responder=toy_responder) as srv:
        t = mine_corpus(images, 'faces', backend(srv), depth=2)
    fh = t['facial hair']
    assert fh.children, 'a malformed answer left the node empty'
    notes = [n for n in t.provenance['notes'] if n.startswith('facial hair:')]
    assert notes, t.provenance['notes']


def test_expansion_unusable_twice_names_the_node(images):
    with ScriptedChatServer([TOP, 'no', 'still no'], responder=toy_responder) as srv:
        with pytest.raises(MiningError, match="facial hair: the model's answers could not be used"):
            mine_corpus(images, 'faces', backend(srv), depth=2)


def test_honest_empty_expansion_is_a_noted_leaf(images):
    with ScriptedChatServer([TOP, '[]'], responder=toy_responder) as srv:
        t = mine_corpus(images, 'faces', backend(srv), depth=2)
    assert t['facial hair'].is_leaf
    assert 'facial hair: the model proposed no sub-types; kept as a leaf' in t.provenance['notes']


def test_three_levels_with_images(images, tmp_path):
    with ScriptedChatServer(responder=toy_responder) as srv:
        t = mine_corpus(images, 'faces', backend(srv), depth=3, out=tmp_path/'c.json', max_images=2)
    assert t.depth == 3 and [n.name for n in t.levels()[1]] == GOOD_NAMES
    assert t['facial hair/beard/goatee'].prompt == 'goatee beard'
    assert SemanticTree.load(tmp_path/'c.json').to_dict() == t.to_dict()
    assert len(srv.requests) == 1 + 2 + 4
    first = srv.requests[0]['body']['messages'][1]['content']
    assert [p['type'] for p in first] == ['image_url', 'image_url', 'text']      # max_images=2
    assert 'broad families' in first[-1]['text'] and srv.requests[0]['body']['messages'][0]['role'] == 'system'
    exp = srv.requests[1]['body']['messages'][1]['content']
    assert [p['type'] for p in exp] == ['image_url', 'image_url', 'text']
    assert 'Semantic: "facial hair"' in exp[-1]['text'] and '"eyewear"' in exp[-1]['text']   # siblings to avoid
    prov = t.provenance
    assert prov['source'] == 'mined' and prov['model'] == 'scripted-vlm' and prov['depth'] == 3
    assert prov['backend']['base_url'] == srv.url and prov['prompt']['top'].startswith('The images are samples')
    assert [i['name'] for i in prov['images']] == ['0.png', '1.png'] and len(prov['images'][0]['sha256']) == 64


def test_expand_without_images(images):
    with ScriptedChatServer(responder=toy_responder) as srv:
        mine_corpus(images, 'faces', backend(srv), depth=2, expand_with_images=False)
    assert isinstance(srv.requests[1]['body']['messages'][1]['content'], str)


# ------------------------------------------------------------------ rate limits, timeouts, errors

def test_rate_limit_honours_retry_after(images):
    waits = []
    with ScriptedChatServer([{'status': 429, 'headers': {'retry-after': '3'}, 'answer': 'Rate limit reached'}, TOP]) as srv:
        t = mine_corpus(images, 'faces', backend(srv, sleep=waits.append), depth=1)
    assert waits == [3.0] and len(srv.requests) == 2 and t.n_leaves == 2


def test_rate_limit_backoff_doubles_and_is_capped(images):
    waits = []
    script = [{'status': 429}, {'status': 429}, {'status': 429, 'headers': {'retry-after': '2'}}, TOP]
    with ScriptedChatServer(script) as srv:
        mine_corpus(images, 'faces', backend(srv, sleep=waits.append, retries=3, backoff=4, max_backoff=10), depth=1)
    assert waits == [4, 8, 10]                                      # doubled, capped; a shorter Retry-After does not shorten it


def test_rate_limit_asking_longer_than_max_backoff_is_not_retried(images):
    "Retrying before the server's Retry-After would only re-send the images to be refused again."
    waits = []
    with ScriptedChatServer([{'status': 429, 'headers': {'retry-after': '999'}, 'answer': 'slow down'}, TOP]) as srv:
        with pytest.raises(MiningError) as e:
            mine_corpus(images, 'faces', backend(srv, sleep=waits.append, retries=3, max_backoff=10), depth=1)
    assert str(e.value) == (f'{srv.url} is rate-limiting (HTTP 429: slow down) and asks to wait 999 s (Retry-After), longer '
                            'than max_backoff=10 s; not retried: try again later, or raise max_backoff')
    assert len(srv.requests) == 1 and waits == []


def test_rate_limit_forever_is_an_error(images):
    waits = []
    with ScriptedChatServer([{'status': 429}] * 3) as srv:
        with pytest.raises(MiningError, match=r'still failing after 2 retries: RateLimitError'):
            mine_corpus(images, 'faces', backend(srv, sleep=waits.append), depth=1)
    assert len(srv.requests) == 3 and len(waits) == 2


def test_timeout_is_retried(images, caplog):
    with ScriptedChatServer([{'sleep': 2.0, 'answer': TOP}, TOP]) as srv:
        t = mine_corpus(images, 'faces', backend(srv, timeout=0.5), depth=1)
    assert t.n_leaves == 2 and len(srv.requests) == 2
    assert any('APITimeoutError' in r.getMessage() for r in caplog.records)


def test_timeout_forever_is_an_error(images):
    with ScriptedChatServer([{'sleep': 1.0}] * 2) as srv:
        with pytest.raises(MiningError, match='still failing after 1 retries: APITimeoutError'):
            mine_corpus(images, 'faces', backend(srv, timeout=0.3, retries=1), depth=1)


def test_server_error_is_retried(images):
    with ScriptedChatServer([{'status': 503, 'answer': 'overloaded'}, TOP]) as srv:
        assert mine_corpus(images, 'faces', backend(srv, sleep=lambda s: None), depth=1).n_leaves == 2


def test_client_error_fails_at_once(images):
    with ScriptedChatServer([{'status': 400, 'answer': 'this model does not accept images'}]) as srv:
        with pytest.raises(MiningError, match='refused the request: BadRequestError.*does not accept images'):
            mine_corpus(images, 'faces', backend(srv), depth=1)
    assert len(srv.requests) == 1


# ------------------------------------------------------------------ cache

def test_cache_makes_a_rerun_free_and_replays_offline(images, tmp_path):
    cache = tmp_path/'cache'
    with ScriptedChatServer(['no JSON here'], responder=toy_responder) as srv:
        t1 = mine_corpus(images, 'faces', backend(srv), depth=2, cache_dir=cache)
        n = len(srv.requests)
        t2 = mine_corpus(images, 'faces', backend(srv), depth=2, cache_dir=cache)
        assert len(srv.requests) == n                               # nothing asked again, the repair round included
    t3 = mine_corpus(images, 'faces', backend(srv), depth=2, cache_dir=cache, offline=True)   # the server is gone: replayed from disk
    assert t1.to_dict()['root'] == t2.to_dict()['root'] == t3.to_dict()['root']
    assert t2.provenance['cache'] == {'hits': n, 'misses': 0}
    rec = json.loads(next(cache.rglob('*.json')).read_text())
    assert set(rec) == {'key', 'date', 'request', 'answer'} and rec['request']['spec']['model'] == 'scripted-vlm'
    assert all(len(h) == 64 for h in rec['request']['images'])      # image hashes, not image bytes


def test_offline_miss_is_an_error(images, tmp_path):
    with pytest.raises(MiningError, match='offline, and this request is not in the cache'):
        mine_corpus(images, 'faces', OpenAIBackend('m', base_url='http://127.0.0.1:9/v1'), depth=1,
                    cache_dir=tmp_path/'empty', offline=True)


def test_cache_key_depends_on_model_and_images(images, tmp_path):
    with ScriptedChatServer(responder=toy_responder) as srv:
        mine_corpus(images, 'faces', backend(srv), depth=1, cache_dir=tmp_path/'c')
        OpenAIBackend('other-model', base_url=srv.url)
        mine_corpus(images, 'faces', OpenAIBackend('other-model', base_url=srv.url), depth=1, cache_dir=tmp_path/'c')
        mine_corpus(images, 'faces', backend(srv), depth=1, cache_dir=tmp_path/'c', max_images=1)
    assert len(srv.requests) == 3


# ------------------------------------------------------------------ API keys

def test_api_key_never_leaks(images, tmp_path, monkeypatch, caplog, capsys):
    from diffex.cli import main
    monkeypatch.setenv('DIFFEX_TEST_API_KEY', SECRET)
    caplog.set_level(logging.DEBUG)
    out, cache = tmp_path/'faces.json', tmp_path/'cache'
    with ScriptedChatServer(['chatter, no JSON', {'status': 429}], responder=toy_responder) as srv:
        code = main(['mine', str(images), '--domain', 'faces', '--depth', '2', '--out', str(out), '--base-url', srv.url,
                     '--model', 'scripted-vlm', '--api-key-env', 'DIFFEX_TEST_API_KEY', '--cache-dir', str(cache), '-v'])
        assert code == 0
        assert srv.requests[0]['headers']['authorization'] == f'Bearer {SECRET}'   # the key was really used
        b = OpenAIBackend('scripted-vlm', base_url=srv.url, api_key_env='DIFFEX_TEST_API_KEY')
        with ScriptedChatServer([{'status': 401, 'answer': f'Incorrect API key provided: {SECRET}'}]) as bad:
            b401 = OpenAIBackend('m', base_url=bad.url, api_key_env='DIFFEX_TEST_API_KEY')
            with pytest.raises(MiningError) as e: b401.chat([{'role': 'user', 'content': 'hi'}])
    err401 = str(e.value)
    assert 'AuthenticationError' in err401 and 'Incorrect API key provided: ***' in err401
    captured = capsys.readouterr()
    texts = {'stdout': captured.out, 'stderr': captured.err, 'logs': caplog.text,
             'log args': ' '.join(str(r.args) for r in caplog.records), 'repr': repr(b) + str(b) + repr(CachedBackend(b, cache)),
             'spec': json.dumps(b.spec()), 'error': err401}
    assert caplog.records, 'nothing was logged: the log check would prove nothing'
    for f in tmp_path.rglob('*'):
        if f.is_file(): texts[str(f)] = f.read_text(errors='replace')
    assert len([k for k in texts if k.startswith(str(cache))]) >= 3
    leaks = [k for k, v in texts.items() if SECRET in v or SECRET[8:] in v]
    assert not leaks, f'the API key appears in: {leaks}'
    with pytest.raises(TypeError, match='not picklable'):
        import pickle; pickle.dumps(b)


def test_url_credentials_never_leak(images, tmp_path, caplog, capsys):
    "A base URL with a password and a key-like query value: the server gets them, no log line at DEBUG, output or file shows them."
    from diffex.cli import main
    caplog.set_level(logging.DEBUG)
    pw, token = 'pw-DO-NOT-LEAK-81c2', 'tok-DO-NOT-LEAK-3e9d'
    with ScriptedChatServer(['chatter, no JSON', {'status': 429}], responder=toy_responder) as srv:
        url = srv.url.replace('http://', f'http://user:{pw}@') + f'?api_key={token}'
        code = main(['mine', str(images), '--domain', 'faces', '--depth', '2', '--out', str(tmp_path/'faces.json'),
                     '--base-url', url, '--model', 'scripted-vlm', '--cache-dir', str(tmp_path/'cache'), '-v'])
        assert code == 0
        assert srv.requests[0]['path'].endswith(f'/chat/completions?api_key={token}')     # the credentials were really used
        assert srv.requests[0]['headers']['authorization'].startswith('Basic ')
    captured = capsys.readouterr()
    assert any(r.name.startswith('httpx') for r in caplog.records), 'no HTTP log: the check would prove nothing'
    texts = {'stdout': captured.out, 'stderr': captured.err, 'logs': caplog.text,
             'log args': ' '.join(str(r.args) for r in caplog.records)}
    for f in tmp_path.rglob('*'):
        if f.is_file(): texts[str(f)] = f.read_text(errors='replace')
    leaks = [k for k, v in texts.items() if pw in v or token in v]
    assert not leaks, f'a URL credential appears in: {leaks}'
    assert 'api_key=%2A%2A%2A' in (tmp_path/'faces.json').read_text()                  # the provenance says a key was there


def test_missing_key_for_openai_itself(monkeypatch):
    monkeypatch.delenv('OPENAI_BASE_URL', raising=False)
    monkeypatch.delenv('DIFFEX_NO_SUCH_KEY', raising=False)
    with pytest.raises(MiningError, match='no API key: set the environment variable DIFFEX_NO_SUCH_KEY'):
        OpenAIBackend('gpt-4o-mini', api_key_env='DIFFEX_NO_SUCH_KEY')


def test_local_server_needs_no_key(images, monkeypatch):
    monkeypatch.delenv('OPENAI_API_KEY', raising=False)
    with ScriptedChatServer([TOP]) as srv:
        mine_corpus(images, 'faces', OpenAIBackend('m', base_url=srv.url), depth=1)
    assert srv.requests[0]['headers']['authorization'] == 'Bearer no-key'


def test_mine_without_images():
    with ScriptedChatServer(responder=toy_responder) as srv:
        t = mine_corpus(None, 'faces', backend(srv), depth=2)
    first = srv.requests[0]['body']['messages'][1]['content']
    assert isinstance(first, str) and first.startswith('Consider a dataset of images of faces')
    assert t.depth == 2 and t.provenance['images'] == []


def test_password_in_base_url_stays_out_of_provenance_and_cache(images, tmp_path):
    with ScriptedChatServer(responder=toy_responder) as srv:
        url = srv.url.replace('http://', 'http://user:hunter2-pw@')
        t = mine_corpus(images, 'faces', OpenAIBackend('scripted-vlm', base_url=url, api_key=SECRET), depth=1,
                        cache_dir=tmp_path/'c', out=tmp_path/'o.json')
    assert t.provenance['backend']['base_url'] == srv.url
    for f in tmp_path.rglob('*.json'): assert 'hunter2-pw' not in f.read_text()


def test_groups_without_children_become_editable(images):
    with ScriptedChatServer([TOP, '[]'], responder=toy_responder) as srv:
        t = mine_corpus(images, 'faces', backend(srv), depth=2)
    assert t['facial hair'].is_leaf and t['facial hair'].editable and not t['eyewear'].editable
    assert 'facial hair: a group without sub-types; made editable' in t.provenance['notes']
    with ScriptedChatServer([TOP]) as srv:
        t = mine_corpus(images, 'faces', backend(srv), depth=1)
    assert [n.name for n in t.editable_nodes()] == GOOD_NAMES
