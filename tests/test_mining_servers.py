"""OpenAI-compatible servers as they really behave, against a raw HTTP server on 127.0.0.1 that answers what real servers,
proxies and gateways send: an HTML page with HTTP 200 (a base URL without /v1), a body that is not JSON, a gateway's HTML
page, an error object with HTTP 200, JSON without choices, a 404, a server that drips its answer a byte at a time, a 429
that says the quota is exhausted. Every answer that is not a chat completion is a `MiningError` naming the server and what
came back; the timeout is a deadline per request; a quota is not retried. Also: a cut-off answer repaired into a smaller
corpus says so on the terminal, and transparent images reach the model composited the same way on every path."""
import base64, io, json, logging, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from diffex.mining import OpenAIBackend, MiningError, mine_corpus, image_png, CachedBackend
from diffex.tiny import ScriptedChatServer, toy_responder

TOP = json.dumps([{'name': 'facial hair', 'description': 'beards', 'editable': False}, {'name': 'eyewear', 'editable': False}])


def completion(content: str) -> bytes:
    return json.dumps({'id': 'x', 'object': 'chat.completion', 'created': 0, 'model': 'm',
                       'choices': [{'index': 0, 'finish_reason': 'stop', 'message': {'role': 'assistant', 'content': content}}]}).encode()


class RawServer:
    "An HTTP server on 127.0.0.1 that answers each request with the next scripted raw answer: (status, headers, body[, drip])."
    def __init__(self, script):
        self.script, self.requests, srv = list(script), [], self
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a): pass
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('content-length', 0)))
                srv.requests.append({'path': self.path, 'body': json.loads(body or b'{}')})
                status, headers, data, *drip = srv.script.pop(0) if srv.script else (500, {}, b'script used up')
                try:
                    self.send_response(status)
                    for k, v in {'content-type': 'application/json', **headers}.items(): self.send_header(k, v)
                    self.send_header('content-length', str(len(data))); self.end_headers()
                    if not drip: self.wfile.write(data); return
                    for i in range(len(data)):                       # one byte at a time, `drip` seconds apart
                        self.wfile.write(data[i:i + 1]); self.wfile.flush(); time.sleep(drip[0])
                except (BrokenPipeError, ConnectionResetError): pass   # the client gave up
        self._server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self._server.daemon_threads = True
        self.root = f'http://127.0.0.1:{self._server.server_address[1]}'
        self.url = self.root + '/v1'
    def __enter__(self):
        threading.Thread(target=self._server.serve_forever, kwargs={'poll_interval': 0.02}, daemon=True).start(); return self
    def __exit__(self, *exc): self._server.shutdown(); self._server.server_close()


def backend(url, **kw):
    return OpenAIBackend('m', base_url=url, **{'api_key': 'sk-test', 'retries': 2, 'backoff': 0, 'timeout': 5, 'sleep': lambda s: None, **kw})

HI = [{'role': 'user', 'content': 'hi'}]
HTML_HOME = b'<!DOCTYPE html><html><head><title>vLLM | Home</title></head><body><h1>Welcome</h1></body></html>'
GATEWAY = b'<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr>nginx</body></html>'


def test_base_url_without_v1_answering_an_html_page(tmp_path):
    "The commonest mistake: the server's home page, with HTTP 200. Not retried; the message says what came and what to check."
    with RawServer([(200, {'content-type': 'text/html; charset=utf-8'}, HTML_HOME)] * 3) as srv:
        with pytest.raises(MiningError) as e: backend(srv.root).chat(HI)
    assert str(e.value) == (f"{srv.root} answered HTTP 200 with an HTML page titled 'vLLM | Home' ({len(HTML_HOME)} characters), "
                            'not a chat completion: is the base URL right? OpenAI-compatible servers answer under /v1 '
                            '(e.g. http://localhost:8000/v1, https://api.openai.com/v1)')
    assert len(srv.requests) == 1


def test_html_page_without_an_html_content_type():
    with RawServer([(200, {}, HTML_HOME)]) as srv:
        with pytest.raises(MiningError, match=r"answered HTTP 200 with an HTML page titled 'vLLM \| Home'"): backend(srv.url).chat(HI)


def test_a_404_says_to_check_the_base_url():
    with RawServer([(404, {}, b'{"detail": "Not Found"}')]) as srv:
        with pytest.raises(MiningError) as e: backend(srv.root).chat(HI)
    assert str(e.value) == (f"{srv.root} refused the request: NotFoundError: HTTP 404, the error 'Not Found'; is the base URL "
                            'right? OpenAI-compatible servers answer under /v1 (e.g. http://localhost:8000/v1, https://api.openai.com/v1)')


def test_malformed_json_body_is_retried_then_quoted():
    with RawServer([(200, {}, b'{"choices": [')] * 3) as srv:
        with pytest.raises(MiningError) as e: backend(srv.url).chat(HI)
    assert str(e.value).startswith(f'{srv.url} still failing after 2 retries: answered HTTP 200 with a body that is not JSON '
                                   '(Expecting value: line 1 column 14 (char 13)): \'{"choices": [\' (13 characters)'), str(e.value)
    assert len(srv.requests) == 3


def test_malformed_json_body_once_then_an_answer():
    with RawServer([(200, {}, b'not json at all'), (200, {}, completion('fine'))]) as srv:
        assert backend(srv.url).chat(HI) == 'fine'
    assert len(srv.requests) == 2


def test_gateway_html_page_is_retried_and_named_by_its_title(caplog):
    with RawServer([(502, {'content-type': 'text/html'}, GATEWAY)] * 3) as srv:
        with pytest.raises(MiningError) as e: backend(srv.url).chat(HI)
    assert str(e.value) == (f"{srv.url} still failing after 2 retries: InternalServerError: HTTP 502, an HTML page titled "
                            f"'502 Bad Gateway' ({len(GATEWAY)} characters)")
    assert len(srv.requests) == 3 and '<center>' not in caplog.text


def test_gateway_page_once_then_an_answer():
    with RawServer([(504, {'content-type': 'text/html'}, GATEWAY), (200, {}, completion('[]'))]) as srv:
        assert backend(srv.url).chat(HI) == '[]'


@pytest.mark.parametrize('body,message', [
    ({'error': {'message': 'The model `llava` does not exist', 'type': 'invalid_request_error', 'code': 404}}, 'The model `llava` does not exist'),
    ({'error': 'CUDA out of memory'}, 'CUDA out of memory'),
    ({'detail': 'Model is loading, try again later'}, 'Model is loading, try again later'),
    ({'error': {'message': 'You exceeded your current quota', 'code': 'insufficient_quota'}}, 'You exceeded your current quota'),
])
def test_error_object_with_http_200_keeps_the_servers_message(body, message):
    with RawServer([(200, {}, json.dumps(body).encode())] * 3) as srv:
        with pytest.raises(MiningError) as e: backend(srv.url).chat(HI)
    assert str(e.value) == f'{srv.url} answered HTTP 200 with an error instead of a chat completion: {message}'
    assert len(srv.requests) == 1


@pytest.mark.parametrize('body', [b'{"id": "x", "object": "list", "data": []}', b'[1, 2]', b'"hello"', b'{"choices": "none"}'])
def test_json_that_is_not_a_chat_completion(body):
    with RawServer([(200, {}, body)]) as srv:
        with pytest.raises(MiningError) as e: backend(srv.url).chat(HI)
    assert str(e.value).startswith(f'{srv.url} answered HTTP 200 with JSON that is not a chat completion (no "choices" list): the JSON ')
    assert body.decode()[:5] in str(e.value)


def test_empty_body():
    with RawServer([(200, {}, b'')] * 3) as srv:
        with pytest.raises(MiningError, match='a body that is not JSON .*: an empty body'): backend(srv.url).chat(HI)


def test_a_dripping_server_is_cut_at_the_deadline():
    "The openai client's timeout is per read: one byte every 0.1 s would hold a request for 40 s. The deadline cuts it."
    body = completion('x' * 400)
    with RawServer([(200, {}, body, 0.1)] * 2) as srv:
        t = time.monotonic()
        with pytest.raises(MiningError) as e: backend(srv.url, timeout=0.6, retries=1).chat(HI)
        took = time.monotonic() - t
    assert str(e.value).startswith(f'{srv.url} still failing after 1 retries: APITimeoutError: still receiving the answer after '
                                   'timeout=0.6 s ('), str(e.value)
    assert took < 4, f'{took:.1f} s: the timeout is not a deadline'
    assert len(srv.requests) == 2


def test_a_slow_but_steady_answer_within_the_deadline_is_read():
    with RawServer([(200, {}, completion('ok'), 0.001)]) as srv:
        assert backend(srv.url, timeout=5).chat(HI) == 'ok'


def test_quota_exhausted_is_not_retried_and_images_are_sent_once(tmp_path):
    "A quota with Retry-After 3600: retrying would re-send the images four times to be refused four times."
    waits = []
    body = json.dumps({'error': {'message': 'quota exhausted for this key', 'type': 'rate_limit', 'code': 429}}).encode()
    with RawServer([(429, {'retry-after': '3600'}, body)] * 5) as srv:
        with pytest.raises(MiningError) as e:
            mine_corpus([Image.new('RGB', (32, 32), 'red')] * 2, 'faces', backend(srv.url, retries=4, sleep=waits.append), depth=1)
    assert str(e.value) == (f"{srv.url} says the quota is exhausted (HTTP 429: quota exhausted for this key); not retried, since "
                            "waiting does not restore a quota: check the account's plan and billing, or use another key or server")
    assert len(srv.requests) == 1 and waits == []


def test_openai_insufficient_quota_code_is_not_retried():
    body = json.dumps({'error': {'message': 'You exceeded your current quota, please check your plan and billing details.',
                                 'type': 'insufficient_quota', 'code': 'insufficient_quota'}}).encode()
    with RawServer([(429, {}, body)] * 3) as srv:
        with pytest.raises(MiningError, match='says the quota is exhausted'): backend(srv.url).chat(HI)
    assert len(srv.requests) == 1


def test_a_per_minute_quota_is_a_rate_limit_and_is_retried():
    body = json.dumps({'error': {'message': 'Quota exceeded for requests per minute', 'code': 429}}).encode()
    with RawServer([(429, {'retry-after': '1'}, body), (200, {}, completion('ok'))]) as srv:
        waits = []
        assert backend(srv.url, sleep=waits.append).chat(HI) == 'ok'
    assert waits == [1.0]


def test_retry_after_as_an_http_date():
    from email.utils import format_datetime
    import datetime
    when = format_datetime(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1), usegmt=True)
    with RawServer([(429, {'retry-after': when}, b'{"error": {"message": "slow down"}}')]) as srv:
        with pytest.raises(MiningError, match=r'asks to wait 3[56]\d\d s \(Retry-After\), longer than max_backoff=60 s'):
            backend(srv.url).chat(HI)


def test_mine_corpus_and_the_cli_name_the_server(tmp_path, capsys):
    "The reported crash: `mine_corpus` raised AttributeError and `diffex mine` printed a 26-line traceback."
    from diffex.cli import main
    d = tmp_path/'imgs'; d.mkdir(); Image.new('RGB', (32, 32), 'red').save(d/'a.png')
    with RawServer([(200, {'content-type': 'text/html'}, HTML_HOME)] * 3) as srv:
        with pytest.raises(MiningError, match='answered HTTP 200 with an HTML page'):
            mine_corpus(d, 'faces', backend(srv.root), depth=1)
        code = main(['mine', str(d), '--domain', 'faces', '--depth', '1', '--out', str(tmp_path/'c.json'), '--base-url', srv.root,
                     '--model', 'm', '--no-cache'])
    err = capsys.readouterr().err
    assert code == 1 and 'Traceback' not in err and len(err.strip().splitlines()) == 1, err
    assert f'diffex mine: {srv.root} answered HTTP 200 with an HTML page' in err and 'is the base URL right?' in err


def test_a_cut_off_answer_repaired_to_one_family_says_so_on_the_terminal(caplog):
    cut = '[{"name": "facial hair", "description": "beards"}, {"name": "eyew'
    with ScriptedChatServer([cut], responder=toy_responder) as srv:
        with caplog.at_level(logging.WARNING, logger='diffex.mining'):
            t = mine_corpus(None, 'faces', backend(srv.url), depth=1)
    assert [n.name for n in t.root.children] == ['facial hair']
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert ("<top level>: the answer was cut off, so only the 1 complete item(s) before the cut are kept ('facial hair'); the "
            'corpus may be incomplete: raise max_tokens (--max-tokens) and mine again') in warned, warned
    assert t.provenance['cut_off'] == ['<top level>']


def test_a_cut_off_answer_in_the_cli_is_on_stderr(tmp_path):
    "In a separate process, so that the command line's own logging set-up is what prints (pytest's capture would hide it)."
    import subprocess, sys
    d = tmp_path/'imgs'; d.mkdir(); Image.new('RGB', (32, 32), 'red').save(d/'a.png')
    cut = '[{"name": "facial hair", "description": "beards"}, {"name": "eyew'
    with ScriptedChatServer([cut], responder=toy_responder) as srv:
        args = ['mine', str(d), '--domain', 'faces', '--depth', '1', '--out', str(tmp_path/'c.json'), '--base-url', srv.url,
                '--model', 'm', '--no-cache']
        r = subprocess.run([sys.executable, '-c', f'import sys; from diffex.cli import main; sys.exit(main({args!r}))'],
                           capture_output=True, text=True, timeout=300, env={**__import__('os').environ, 'OPENAI_API_KEY': 'sk-x'})
    assert r.returncode == 0, r.stderr
    assert "diffex: <top level>: the answer was cut off, so only the 1 complete item(s) before the cut are kept ('facial hair')" in r.stderr, r.stderr


# ------------------------------------------------------------------ transparent images: one reader on every path

def _sent_pixel(req) -> tuple:
    "The top-left pixel of the first image in a chat-completions request."
    url = req['body']['messages'][1]['content'][0]['image_url']['url']
    return Image.open(io.BytesIO(base64.b64decode(url.split(',', 1)[1]))).convert('RGB').getpixel((0, 0))

def test_transparent_images_are_composited_on_white_on_every_path(tmp_path):
    clear = Image.new('RGBA', (16, 16), (255, 0, 0, 0))                      # fully transparent red: the background shows
    half = Image.new('RGBA', (16, 16), (0, 0, 0, 128))                       # half-transparent black over white: grey
    clear.save(tmp_path/'clear.png')
    assert Image.open(io.BytesIO(image_png(clear))).getpixel((0, 0)) == (255, 255, 255)
    assert Image.open(io.BytesIO(image_png(half))).getpixel((0, 0)) == (127, 127, 127)
    assert image_png(clear) == image_png(tmp_path/'clear.png') == image_png(Image.new('RGB', (16, 16), 'white'))
    with ScriptedChatServer(['ok', TOP, TOP, 'ok']) as srv:
        b = backend(srv.url)
        b.chat([{'role': 'system', 'content': 's'}, {'role': 'user', 'content': 'u'}], [clear])        # the backend's chat
        mine_corpus([clear], 'faces', b, depth=1)                                                   # mine_corpus, a PIL image
        mine_corpus(tmp_path, 'faces', b, depth=1)                                                  # mine_corpus, a folder
        CachedBackend(b, tmp_path/'cache').chat([{'role': 'system', 'content': 's'}, {'role': 'user', 'content': 'u'}], [clear])
    assert [_sent_pixel(r) for r in srv.requests] == [(255, 255, 255)] * 4


def test_transformers_backend_gets_the_same_pixels():
    from diffex.mining import TransformersBackend
    seen = []
    class Proc:
        def apply_chat_template(self, conv, **kw):
            seen.extend(p['image'] for m in conv for p in m['content'] if p['type'] == 'image'); raise RuntimeError('stop here')
    class Model:
        def eval(self): return self
    tb = TransformersBackend(Model(), Proc())
    with pytest.raises(MiningError, match='cannot build the chat'):
        tb.chat([{'role': 'user', 'content': 'u'}], [Image.new('RGBA', (16, 16), (255, 0, 0, 0))])
    assert seen[0].convert('RGB').getpixel((0, 0)) == (255, 255, 255)
