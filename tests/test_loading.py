"""Tests of ``load_autoencoder``: the bundled default, local directories, and Hub repos on a real local server.

``FakeHub`` is an HTTP server on 127.0.0.1 that answers the requests ``huggingface_hub.snapshot_download``
makes, the way huggingface.co does:

- ``GET /api/models/{repo}/revision/{revision}``: model info, whose ``sha`` resolves a branch or tag;
- ``GET /api/models/{repo}/tree/{commit}``: the file listing (``oid``, ``size``, ``lfs`` for LFS files);
- ``HEAD``/``GET /{repo}/resolve/{commit}/{filename}`` with ``X-Repo-Commit`` and ``ETag``; an LFS file
  (``*.safetensors``, ``*.bin``) answers ``302`` with ``X-Linked-Etag``, ``X-Linked-Size`` and ``Location``
  (``/lfs/{sha256}`` on host ``localhost``), as the Hub redirects to its CDN;
- errors as ``404`` with ``X-Error-Code`` ``RepoNotFound``, ``RevisionNotFound`` or ``EntryNotFound``;
- ``GET /api/agent-harnesses`` (empty), which huggingface_hub asks for once a day to fill its User-Agent.

huggingface_hub reads ``HF_ENDPOINT``, ``HF_HOME`` and ``HF_HUB_OFFLINE`` when it is imported, so Hub loads
run in child Python processes started with those variables set (``HubClient``: this file run as a script),
one online and one offline, each kept for the whole module. Nothing of huggingface_hub is patched. The
FakeHub and the two clients start before the first test of the run (``start_children``, called by the
root conftest.py), so that the clients' imports overlap the tests that run before these.
"""

import contextlib
import hashlib
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import unquote

import pytest
import torch
from safetensors.torch import load_file, save_file

import sk_swat
from sk_swat.autoencoder import SWATAutoencoder, SWATAutoencoderConfig, load_autoencoder
from sk_swat.autoencoder import loading
from sk_swat.autoencoder.loading import AutoencoderLoadError
from sk_swat.utils import atomic_path

REPO = "swat-test/tiny-autoencoder"
COMMIT_MAIN = "a" * 40
COMMIT_V1 = "b" * 40
SMALL = dict(hidden_size=16, n_head=2, n_encoder_layers=1, n_decoder_layers=1)
RESULT = "RESULT "  # prefix of the worker's answer lines (anything else on stdout is ignored)


# --------------------------------------------------------------------------- what a loaded model is


def _describe(model):
    """What the tests compare: the weights, the predictions on fixed tokens, and the frozen state."""
    digest = hashlib.sha256()
    for key, value in sorted(model.state_dict().items()):
        digest.update(key.encode() + value.detach().cpu().numpy().tobytes())
    shape = (2, model.config.n_tokens, model.config.token_width)
    tokens = torch.linspace(-1, 1, shape[0] * shape[1] * shape[2]).reshape(shape)
    with torch.no_grad():
        prediction = torch.cat([out.flatten() for out in model(tokens, torch.ones_like(tokens[0]))])
    return {
        "weights": digest.hexdigest(),
        "prediction": prediction.tolist(),
        "frozen": not model.training and not any(p.requires_grad for p in model.parameters()),
        "float32_cpu": all(p.dtype == torch.float32 and p.device.type == "cpu" for p in model.parameters()),
    }


def _worker():
    """Serve ``load_autoencoder`` calls read as JSON lines from stdin (the child side of ``HubClient``)."""
    torch.set_num_threads(1)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = _describe(load_autoencoder(*request["args"], **request["kwargs"]))
        except Exception as err:
            answer = {
                "error": type(err).__name__,
                "message": str(err),
                "value_and_os_error": isinstance(err, ValueError) and isinstance(err, OSError),
            }
        print(RESULT + json.dumps(answer), flush=True)


class HubClient:
    """A child Python process that runs ``load_autoencoder`` with huggingface_hub imported under ``env``."""

    def __init__(self, env):
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            [sys.executable, __file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            env=env,
        )

    def load(self, *args, **kwargs):
        self.process.stdin.write(json.dumps({"args": args, "kwargs": kwargs}) + "\n")
        self.process.stdin.flush()
        for line in self.process.stdout:
            if line.startswith(RESULT):
                return json.loads(line[len(RESULT) :])
        self.stderr.seek(0)
        raise RuntimeError(f"the worker process ended:\n{self.stderr.read()[-3000:]}")

    def error(self, *args, **kwargs):
        """The message of the AutoencoderLoadError that ``load(*args, **kwargs)`` raised."""
        answer = self.load(*args, **kwargs)
        assert answer.get("error") == "AutoencoderLoadError", answer
        assert answer["value_and_os_error"]
        return answer["message"]

    def close(self):
        self.process.terminate()  # it holds nothing worth a clean shutdown (seconds, with torch loaded)
        self.process.wait(timeout=60)
        for stream in (self.process.stdin, self.process.stdout, self.stderr):
            stream.close()


# --------------------------------------------------------------------------- the fake Hub


def _git_blob_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _is_lfs(filename):
    return filename.endswith((".safetensors", ".bin"))


class FakeHub:
    """A threaded HTTP server holding ``repos[repo_id] = {"refs": {...}, "commits": {sha: {name: bytes}}}``.

    ``faults[filename] = "short"`` answers the download of that file with half its bytes (a complete
    response, shorter than the size announced). ``down()`` stops the server for a while, on the same port.
    """

    def __init__(self):
        self.repos, self.faults, self.requests = {}, {}, []
        self.port = 0
        self._start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def _start(self):
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_HEAD(self):
                hub._handle(self, head=True)

            def do_GET(self):
                hub._handle(self, head=False)

            def log_message(self, *args):  # keep pytest output clean
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    @contextlib.contextmanager
    def down(self):
        self.close()
        try:
            yield
        finally:
            self._start()

    def add_commit(self, repo_id, commit, files, refs=("main",)):
        repo = self.repos.setdefault(repo_id, {"refs": {}, "commits": {}})
        repo["commits"][commit] = dict(files)
        for ref in refs:
            repo["refs"][ref] = commit

    def downloaded(self):
        """Names of the files whose bytes were sent (GETs of resolve or LFS URLs)."""
        names = {hashlib.sha256(data).hexdigest(): name for repo in self.repos.values()
                 for files in repo["commits"].values() for name, data in files.items()}
        out = []
        for method, path, _ in self.requests:
            parts = path.split("?")[0].strip("/").split("/")
            if method == "GET" and parts[0] == "lfs":
                out.append(names[parts[1]])
            elif method == "GET" and len(parts) >= 5 and parts[2] == "resolve":
                out.append("/".join(parts[4:]))
        return sorted(out)

    # ------------------------------------------------------------------ request handling

    def _handle(self, handler, head):
        self.requests.append((handler.command, handler.path, handler.headers))  # headers: case-insensitive
        parts = [unquote(p) for p in handler.path.split("?")[0].strip("/").split("/")]
        if parts == ["api", "agent-harnesses"]:
            self._send(handler, head, 200, json.dumps({"standardEnvVars": [], "harnesses": {}}).encode(), json=True)
        elif parts[:2] == ["api", "models"] and len(parts) == 6 and parts[4] in ("revision", "tree"):
            self._api(handler, head, "/".join(parts[2:4]), parts[4], parts[5])
        elif len(parts) == 2 and parts[0] == "lfs":
            self._lfs(handler, head, parts[1])
        elif len(parts) >= 5 and parts[2] == "resolve":
            self._resolve(handler, head, "/".join(parts[:2]), parts[3], "/".join(parts[4:]))
        else:
            self._send(handler, head, 404, b"Not found", {"X-Error-Message": "Not found"})

    def _lookup(self, handler, head, repo_id, revision):
        repo = self.repos.get(repo_id)
        if repo is None:
            headers = {"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"}
            self._send(handler, head, 404, b"Repository not found", headers)
            return None, None
        commit = repo["refs"].get(revision, revision)
        if commit not in repo["commits"]:
            headers = {"X-Error-Code": "RevisionNotFound", "X-Error-Message": f"Invalid rev id: {revision}"}
            self._send(handler, head, 404, b"Invalid rev id", headers)
            return None, None
        return commit, repo["commits"][commit]

    def _api(self, handler, head, repo_id, kind, revision):
        commit, files = self._lookup(handler, head, repo_id, revision)
        if commit is None:
            return
        if kind == "revision":
            body = {"id": repo_id, "sha": commit, "private": False, "gated": False, "disabled": False,
                    "siblings": [{"rfilename": name} for name in sorted(files)]}
        else:
            body = []
            for name, data in sorted(files.items()):
                entry = {"type": "file", "oid": _git_blob_sha1(data), "size": len(data), "path": name}
                if _is_lfs(name):
                    entry["lfs"] = {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
                body.append(entry)
        self._send(handler, head, 200, json.dumps(body).encode(), json=True)

    def _resolve(self, handler, head, repo_id, revision, filename):
        commit, files = self._lookup(handler, head, repo_id, revision)
        if commit is None:
            return
        if filename not in files:
            headers = {"X-Error-Code": "EntryNotFound", "X-Error-Message": "Entry not found", "X-Repo-Commit": commit}
            self._send(handler, head, 404, b"Entry not found", headers)
            return
        data = files[filename]
        headers = {"X-Repo-Commit": commit, "ETag": f'"{_git_blob_sha1(data)}"'}
        if not _is_lfs(filename):
            self._send(handler, head, 200, data, headers)
            return
        sha256 = hashlib.sha256(data).hexdigest()
        # Another host name for the same server, as the Hub sends LFS files from its CDN (so huggingface_hub
        # reads the metadata off the 302 itself and does not send the token along).
        headers.update({"Location": f"http://localhost:{self.port}/lfs/{sha256}", "X-Linked-Etag": f'"{sha256}"',
                        "X-Linked-Size": str(len(data))})
        self._send(handler, head, 302, b"", headers)

    def _lfs(self, handler, head, sha256):
        for repo in self.repos.values():
            for files in repo["commits"].values():
                for name, data in files.items():
                    if hashlib.sha256(data).hexdigest() == sha256:
                        body = data[: len(data) // 2] if self.faults.get(name) == "short" else data
                        self._send(handler, head, 200, body, {"ETag": f'"{sha256}"'})
                        return
        self._send(handler, head, 404, b"Not found", {})

    @staticmethod
    def _send(handler, head, status, body, headers=None, json=False):
        handler.send_response(status)
        headers = {"Content-Length": str(len(body)), **(headers or {})}
        if json:
            headers["Content-Type"] = "application/json"
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        if not head:
            handler.wfile.write(body)


# --------------------------------------------------------------------------- fixtures and helpers


def _model(seed):
    torch.manual_seed(seed)
    return SWATAutoencoder(SWATAutoencoderConfig(**SMALL))


@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    """Two tiny saved autoencoders with different weights: {"main": (model, files, directory), "v1": ...}."""
    out = {}
    for name, seed in (("main", 0), ("v1", 1)):
        model = _model(seed)
        directory = tmp_path_factory.mktemp(f"model-{name}")
        model.save_pretrained(directory)
        files = {p.name: p.read_bytes() for p in directory.iterdir()}
        out[name] = (model, files, directory)
    return out


def _start_clients(server, hf_home):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_") and k != "TRANSFORMERS_OFFLINE"}
    # The children import the sk_swat under test, wherever PYTHONPATH or an editable install would point.
    env["PYTHONPATH"] = os.pathsep.join([str(Path(sk_swat.__file__).parents[1]), env.get("PYTHONPATH", "")])
    env.update(HF_ENDPOINT=server.url, HF_HOME=str(hf_home), HF_HUB_DISABLE_PROGRESS_BARS="1", OMP_NUM_THREADS="1")
    # Both start now, so that their (slow) imports overlap.
    return {"online": HubClient(env), "offline": HubClient({**env, "HF_HUB_OFFLINE": "1"})}


#: The FakeHub, HF_HOME and the clients, when start_children started them.
_EARLY = {}


def start_children(tmp_path_factory, items):
    """conftest.py calls this before the first test: the clients' imports (seconds) overlap the tests before these."""
    if any("_clients" in item.fixturenames for item in items):
        server, hf_home = FakeHub(), tmp_path_factory.mktemp("hf_home")
        _EARLY.update(server=server, hf_home=hf_home, clients=_start_clients(server, hf_home))


def stop_children():
    for client in _EARLY.pop("clients", {}).values():
        client.close()
    if "server" in _EARLY:
        _EARLY.pop("server").close()
    _EARLY.clear()


@pytest.fixture(scope="module")
def hf_home(tmp_path_factory):
    return _EARLY.pop("hf_home", None) or tmp_path_factory.mktemp("hf_home")


@pytest.fixture(scope="module")
def _server(model_files):
    server = _EARLY.pop("server", None) or FakeHub()
    server.add_commit(REPO, COMMIT_MAIN, model_files["main"][1], refs=["main"])
    server.add_commit(REPO, COMMIT_V1, model_files["v1"][1], refs=["v1"])
    yield server
    server.close()


@pytest.fixture
def hub(_server):
    """The module's FakeHub, its request log emptied for this test."""
    _server.requests.clear()
    _server.faults.clear()
    return _server


@pytest.fixture(scope="module")
def _clients(_server, hf_home):
    clients = _EARLY.pop("clients", None) or _start_clients(_server, hf_home)
    yield clients
    for client in clients.values():
        client.close()


@pytest.fixture
def online(_clients):
    """Loads in a process with HF_ENDPOINT (the FakeHub) and HF_HOME set."""
    return _clients["online"]


@pytest.fixture
def offline(_clients):
    """Loads in a process with HF_HUB_OFFLINE=1 as well."""
    return _clients["offline"]


def _assert_loaded(answer, source_model):
    assert "error" not in answer, answer
    expected = _describe(source_model)
    assert answer["weights"] == expected["weights"]
    torch.testing.assert_close(torch.tensor(answer["prediction"]), torch.tensor(expected["prediction"]))
    assert answer["frozen"] and answer["float32_cpu"]


def _assert_same_weights(model, reference):
    state, expected = model.state_dict(), reference.state_dict()
    assert state.keys() == expected.keys()
    for key in expected:
        assert torch.equal(state[key], expected[key]), key


def _assert_frozen(model, device="cpu"):
    assert isinstance(model, SWATAutoencoder)
    assert not model.training
    assert not any(p.requires_grad for p in model.parameters())
    assert all(p.device.type == device for p in model.parameters())
    assert all(p.dtype == torch.float32 for p in model.parameters())


def _save_dir(tmp_path, name, files):
    directory = tmp_path / name
    directory.mkdir()
    for filename, data in files.items():
        (directory / filename).write_bytes(data)
    return directory


def _config_bytes(files, **changes):
    config = json.loads(files["config.json"])
    config.update(changes)
    return json.dumps(config).encode()


def _pickled_files(model_files, tmp_path):
    """The main model's files with its weights as a pickled pytorch_model.bin instead of model.safetensors."""
    files = dict(model_files["main"][1])
    del files["model.safetensors"]
    torch.save(load_file(model_files["main"][2] / "model.safetensors"), tmp_path / "pytorch_model.bin")
    files["pytorch_model.bin"] = (tmp_path / "pytorch_model.bin").read_bytes()
    return files


# --------------------------------------------------------------------------- Hub downloads


def test_download_by_repo_id_predicts_like_the_source(hub, online, model_files, hf_home, tmp_path):
    cache = tmp_path / "cache"
    _assert_loaded(online.load(REPO, cache_dir=str(cache), token="hf_test_token"), model_files["main"][0])
    # The files of the commit 'main' points to (the weights' checksum too), nothing else, with the token and
    # sk-swat's User-Agent.
    assert hub.downloaded() == ["config.json", "model.safetensors", "model.safetensors.sha256"]
    resolves = [p for _, p, _ in hub.requests if "/resolve/" in p]
    assert resolves and all(f"/resolve/{COMMIT_MAIN}/" in p for p in resolves)
    repo_requests = [h for _, p, h in hub.requests if REPO in p]
    assert all(h.get("Authorization") == "Bearer hf_test_token" for h in repo_requests)
    assert all("sk-swat" in h.get("User-Agent", "") for h in repo_requests)
    snapshot = cache / "models--swat-test--tiny-autoencoder" / "snapshots" / COMMIT_MAIN
    files = ["config.json", "model.safetensors", "model.safetensors.sha256"]
    assert sorted(p.name for p in snapshot.iterdir()) == files
    # Without cache_dir, the cache under HF_HOME.
    _assert_loaded(online.load(REPO, token=False), model_files["main"][0])
    assert (hf_home / "hub" / "models--swat-test--tiny-autoencoder" / "snapshots" / COMMIT_MAIN).is_dir()


def test_revision(hub, online, model_files, tmp_path):
    cache = str(tmp_path / "cache")
    _assert_loaded(online.load(REPO, "v1", cache_dir=cache), model_files["v1"][0])
    _assert_loaded(online.load(REPO, COMMIT_V1, cache_dir=cache), model_files["v1"][0])
    _assert_loaded(online.load(REPO, "main", cache_dir=cache), model_files["main"][0])
    message = online.error(REPO, "no-such-branch", cache_dir=cache)
    assert re.search("has no revision 'no-such-branch'.*branch, tag or commit hash", message)


def test_unknown_repo(hub, online, tmp_path):
    message = online.error("swat-test/nothing-here", cache_dir=str(tmp_path / "cache"))
    assert re.search(f"There is no Hub repository 'swat-test/nothing-here' at {hub.url}.*not a local directory either"
                     ".*token=", message)


def test_cache_reuse_offline_and_with_the_server_stopped(hub, online, offline, model_files, tmp_path):
    cache = str(tmp_path / "cache")
    online.load(REPO, cache_dir=cache)
    online.load(REPO, "v1", cache_dir=cache)
    hub.requests.clear()
    # HF_HUB_OFFLINE=1, and local_files_only=True: from the cache, nothing asked of the server.
    _assert_loaded(offline.load(REPO, cache_dir=cache), model_files["main"][0])
    _assert_loaded(offline.load(REPO, "v1", cache_dir=cache), model_files["v1"][0])
    _assert_loaded(online.load(REPO, COMMIT_V1, cache_dir=cache, local_files_only=True), model_files["v1"][0])
    _assert_loaded(online.load(REPO, "v1", cache_dir=cache, local_files_only=True), model_files["v1"][0])
    assert hub.requests == []
    # Online, with the server stopped: the cached copy.
    with hub.down():
        _assert_loaded(online.load(REPO, cache_dir=cache), model_files["main"][0])
        _assert_loaded(online.load(REPO, "v1", cache_dir=cache), model_files["v1"][0])


def test_not_in_cache_and_no_network_allowed(hub, online, offline, tmp_path):
    cache = str(tmp_path / "cache")
    message = offline.error(REPO, cache_dir=cache)
    expected = (
        f"'{REPO}' \\(revision 'main'\\) is not .*in the Hugging Face cache at {cache}, and offline mode is on "
        "\\(HF_HUB_OFFLINE=1\\). Set HF_HUB_OFFLINE=0 to download it, or pass a local directory"
    )
    assert re.search(expected, message)
    message = online.error(REPO, cache_dir=cache, local_files_only=True)
    assert "local_files_only=True. Pass local_files_only=False" in message
    assert hub.requests == []


def test_server_unreachable(hub, online, tmp_path):
    with hub.down():
        message = online.error(REPO, cache_dir=str(tmp_path / "cache"), token=False)
    assert re.search(f"not .*in the Hugging Face cache.*the Hub at {hub.url} could not be reached \\(.*ConnectError"
                     ".*Check the network connection", message)
    assert re.search(f"If you meant a local directory: .*{REPO} does not exist", message)


def test_missing_weights_and_pickled_weights_are_refused(hub, online, model_files, tmp_path):
    hub.add_commit("swat-test/no-weights", COMMIT_MAIN, {"config.json": model_files["main"][1]["config.json"]})
    message = online.error("swat-test/no-weights", cache_dir=str(tmp_path / "cache"))
    assert re.search("'swat-test/no-weights'.*has no model.safetensors.*never unpickles.*save_pretrained", message)
    files = _pickled_files(model_files, tmp_path)
    hub.add_commit("swat-test/pickled", COMMIT_MAIN, files)
    message = online.error("swat-test/pickled", cache_dir=str(tmp_path / "cache"))
    assert re.search("'swat-test/pickled'.*has no model.safetensors.*never unpickles", message)
    assert "pytorch_model.bin" not in hub.downloaded()  # not even downloaded
    # The same files in a local directory: refused, and the pickled file named.
    with pytest.raises(AutoencoderLoadError, match="no model.safetensors \\(only the pickled pytorch_model.bin"):
        load_autoencoder(_save_dir(tmp_path, "pickled", files))


def test_missing_config(hub, online, model_files, tmp_path):
    weights = model_files["main"][1]["model.safetensors"]
    hub.add_commit("swat-test/no-config", COMMIT_MAIN, {"model.safetensors": weights})
    message = online.error("swat-test/no-config", cache_dir=str(tmp_path / "cache"))
    assert re.search("'swat-test/no-config'.*has no config.json, so it is not a saved sk-swat autoencoder", message)


@pytest.mark.parametrize(
    "config, message",
    [
        (b"{oops", "cannot be read as JSON"),
        ({"layout_version": 999}, "different MLP token layout.*layout_version=999"),
        ({"max_inputs": 8}, "different MLP token layout.*max_inputs=8"),
        ({"model_type": "gpt2"}, "model_type='gpt2', not 'swat_autoencoder'"),
        ({"hidden_size": 32}, "does not fit the configuration"),
        ({"hidden_size": "sixteen"}, "hidden_size must be a positive integer, got 'sixteen'"),
        ({"n_head": 3}, "hidden_size=16 must be a multiple of n_head=3"),
    ],
    ids=["garbled", "layout_version", "max_inputs", "model_type", "hidden_size", "hidden_size_text", "n_head"],
)
def test_corrupt_or_incompatible_config(hub, online, model_files, tmp_path, config, message):
    main = model_files["main"][1]
    config = config if isinstance(config, bytes) else _config_bytes(main, **config)
    files = {**main, "config.json": config}
    repo = f"swat-test/config-{hashlib.sha1(config).hexdigest()[:8]}"
    hub.add_commit(repo, COMMIT_MAIN, files)
    assert re.search(message, online.error(repo, cache_dir=str(tmp_path / "cache")))
    with pytest.raises(AutoencoderLoadError, match=message):
        load_autoencoder(_save_dir(tmp_path, "local", files))


def test_corrupt_safetensors(hub, online, model_files, tmp_path):
    files = {**model_files["main"][1], "model.safetensors": b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}" + bytes(64)}
    hub.add_commit("swat-test/corrupt", COMMIT_MAIN, files)
    message = online.error("swat-test/corrupt", cache_dir=str(tmp_path / "cache"))
    expected = "'swat-test/corrupt'.*not a readable safetensors file.*`hf cache verify swat-test/corrupt`.*hf cache rm"
    assert re.search(expected, message)
    # A truncated local file.
    weights = model_files["main"][1]["model.safetensors"]
    directory = _save_dir(tmp_path, "truncated", {**files, "model.safetensors": weights[: len(weights) // 2]})
    with pytest.raises(AutoencoderLoadError, match="not a readable safetensors file"):
        load_autoencoder(str(directory))


def test_failed_download_then_success(hub, online, model_files, tmp_path):
    hub.add_commit("swat-test/flaky", COMMIT_MAIN, model_files["main"][1])
    hub.faults["model.safetensors"] = "short"
    cache = tmp_path / "cache"
    message = online.error("swat-test/flaky", cache_dir=str(cache))
    assert re.search("Downloading the Hub repository 'swat-test/flaky' .*failed.*Consistency check.*Try again", message)
    # The half file is never taken for a complete one; once the server behaves, the same cache works.
    assert not list(cache.rglob("model.safetensors"))
    del hub.faults["model.safetensors"]
    _assert_loaded(online.load("swat-test/flaky", cache_dir=str(cache)), model_files["main"][0])


# --------------------------------------------------------------------------- local and bundled


def test_local_directory(model_files):
    model, _, directory = model_files["main"]
    for arg in (directory, str(directory)):
        loaded = load_autoencoder(arg)
        _assert_frozen(loaded)
        _assert_same_weights(loaded, model)
    with pytest.raises(AutoencoderLoadError, match="revision applies only to a Hugging Face Hub repo id"):
        load_autoencoder(directory, revision="v1")


def test_local_directory_problems(model_files, tmp_path):
    with pytest.raises(AutoencoderLoadError, match="is neither an existing local directory nor a Hugging Face Hub"):
        load_autoencoder("no/such/missing")
    with pytest.raises(AutoencoderLoadError, match="missing' does not exist"):
        load_autoencoder(str(tmp_path / "missing"))
    with pytest.raises(AutoencoderLoadError, match="does not exist"):
        load_autoencoder(tmp_path / "missing")
    with pytest.raises(AutoencoderLoadError, match="is a file, not a directory"):
        load_autoencoder(model_files["main"][2] / "config.json")
    with pytest.raises(AutoencoderLoadError, match="has no config.json"):
        load_autoencoder(_save_dir(tmp_path, "empty", {}))
    files = model_files["main"][1]
    with pytest.raises(AutoencoderLoadError, match="has no model.safetensors"):
        load_autoencoder(_save_dir(tmp_path, "config_only", {"config.json": files["config.json"]}))
    state = load_file(model_files["main"][2] / "model.safetensors")
    del state["embed.bias"]
    save_file(state, tmp_path / "missing.safetensors", metadata={"format": "pt"})
    missing = {**files, "model.safetensors": (tmp_path / "missing.safetensors").read_bytes()}
    with pytest.raises(AutoencoderLoadError, match="do not fit its config.json \\(missing: embed.bias\\)"):
        load_autoencoder(_save_dir(tmp_path, "missing_key", missing))
    state = load_file(model_files["main"][2] / "model.safetensors")
    state["embed.bias"][0] = float("nan")
    save_file(state, tmp_path / "nan.safetensors", metadata={"format": "pt"})
    nan = {**files, "model.safetensors": (tmp_path / "nan.safetensors").read_bytes()}
    with pytest.raises(AutoencoderLoadError, match="NaN or infinite values \\(embed.bias\\)"):
        load_autoencoder(_save_dir(tmp_path, "nan", nan))


def test_weights_changed_after_saving_are_refused(model_files, tmp_path):
    directory = model_files["main"][2]
    weights = (directory / "model.safetensors").read_bytes()
    recorded = (directory / "model.safetensors.sha256").read_text()
    assert recorded == f"{hashlib.sha256(weights).hexdigest()}  model.safetensors\n"  # sha256sum -c reads it
    damaged = weights[:-1] + bytes([weights[-1] ^ 1])  # the last bit of a float32: still finite
    files = {**model_files["main"][1], "model.safetensors": damaged}
    with pytest.raises(AutoencoderLoadError, match="does not match the SHA-256 recorded in model.safetensors.sha256"):
        load_autoencoder(_save_dir(tmp_path, "damaged", files))


def test_missing_path_in_an_existing_folder_is_not_taken_for_a_hub_repo(tmp_path, monkeypatch, no_network):
    (tmp_path / "runs").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AutoencoderLoadError, match="'runs/model' does not exist.*For the Hub repo 'runs/model'"):
        load_autoencoder("runs/model")


def test_cached_autoencoder_loads_replaced_weights_again(model_files, tmp_path):
    directory = tmp_path / "model"
    shutil.copytree(model_files["main"][2], directory)
    first = loading.cached_autoencoder(str(directory), None, "cpu")
    assert loading.cached_autoencoder(str(directory), None, "cpu") is first
    with atomic_path(directory) as part:  # as pretraining replaces model/ at every checkpoint
        model_files["v1"][0].save_pretrained(part)
    _assert_same_weights(loading.cached_autoencoder(str(directory), None, "cpu"), model_files["v1"][0])


def test_cached_autoencoder_leaves_a_given_model_as_it_was():
    model = _model(0).train()
    trainable = [p.requires_grad for p in model.parameters()]
    frozen = loading.cached_autoencoder(model, None, "cpu")
    _assert_frozen(frozen)
    _assert_same_weights(frozen, model)
    assert model.training and [p.requires_grad for p in model.parameters()] == trainable and any(trainable)


def test_argument_types_and_values(model_files):
    directory = model_files["main"][2]
    with pytest.raises(TypeError, match="name_or_path"):
        load_autoencoder(42)
    with pytest.raises(TypeError, match="revision"):
        load_autoencoder(REPO, revision=1)
    with pytest.raises(TypeError, match="device"):
        load_autoencoder(directory, device=0)
    with pytest.raises(TypeError, match="local_files_only"):
        load_autoencoder(REPO, local_files_only="yes")
    with pytest.raises(TypeError, match="token"):
        load_autoencoder(REPO, token=123)
    with pytest.raises(TypeError, match="cache_dir"):
        load_autoencoder(REPO, cache_dir=1.5)
    with pytest.raises(AutoencoderLoadError, match="empty string"):
        load_autoencoder("  ")
    with pytest.raises(AutoencoderLoadError, match="'warp-drive'.*'auto', 'cpu', 'cuda'"):
        load_autoencoder(directory, device="warp-drive")
    _assert_frozen(load_autoencoder(directory, device=torch.device("cpu")))
    _assert_frozen(load_autoencoder(directory, device="auto"), "cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(AutoencoderLoadError, match="device='cuda'.*no CUDA GPU.*device='cpu'"):
            load_autoencoder(directory, device="cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_load_onto_gpu(model_files):
    model = load_autoencoder(model_files["main"][2], device="cuda")
    _assert_frozen(model, "cuda")
    _assert_same_weights(model.cpu(), model_files["main"][0])


@pytest.fixture
def no_network(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise OSError("network access is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


def test_bundled_default_without_network(no_network):
    if not (loading.BUNDLED_DIR / "model.safetensors").is_file():
        pytest.skip(f"no bundled weights yet in {loading.BUNDLED_DIR}")
    _assert_frozen(load_autoencoder())


def test_the_bundled_autoencoder_embeds_seven_outputs(no_network):
    assert load_autoencoder().config.max_outputs == 7


def test_bundled_autoencoder_reconstructs_networks_of_several_outputs():
    # Trained weights, not a placeholder: held-out 3-output MLPs of one hidden layer come back almost
    # exactly (its card: median best-decoder relative error 0.005 at depth 1).
    from sk_swat.autoencoder.evaluation import fidelity

    rows = fidelity(load_autoencoder(), n_mlps=40, n_points=200, n_outputs=3)
    best = {r["input_depth"]: r["median_relative_error"] for r in rows if r["decoder"] == "best"}
    assert best[1] < 0.05


def test_default_path_mechanics_without_network(monkeypatch, model_files, tmp_path, no_network):
    """The None path, pointed at a tiny model (the real bundled weights may not exist yet)."""
    monkeypatch.setattr(loading, "BUNDLED_DIR", model_files["main"][2])
    _assert_same_weights(load_autoencoder(), model_files["main"][0])
    with pytest.raises(AutoencoderLoadError, match="revision applies only"):
        load_autoencoder(revision="v1")
    monkeypatch.setattr(loading, "BUNDLED_DIR", tmp_path / "pretrained")
    with pytest.raises(AutoencoderLoadError, match="has no bundled autoencoder weights.*sk-swat pretrain"):
        load_autoencoder()


if __name__ == "__main__":
    _worker()
