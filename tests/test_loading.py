"""Tests of ``load_autoencoder`` against a real local HTTP server that speaks the Hugging Face Hub protocol.

The server (``FakeHub``) serves in-memory repositories the way huggingface.co does for
``huggingface_hub.hf_hub_download``:

- ``HEAD``/``GET /{owner}/{name}/resolve/{revision}/{filename}`` with ``X-Repo-Commit``, ``ETag``
  (git blob sha1; for LFS files ``X-Linked-Etag`` = sha256 and ``X-Linked-Size``), ``Content-Length``,
  ``Accept-Ranges`` and ``Range`` (206) support; errors as 404 with ``X-Error-Code`` = ``RepoNotFound``,
  ``RevisionNotFound`` or ``EntryNotFound`` (the last with ``X-Repo-Commit``);
- ``GET /api/models/{owner}/{name}[/revision/{revision}]`` (model info with ``sha`` and ``siblings``),
  which ``snapshot_download``/``HfApi`` use; ``load_autoencoder`` does not need it today;
- ``GET /api/agent-harnesses`` (an empty registry), which huggingface_hub fetches once per process
  (at most once a day, cached under ``HF_HOME``) to describe the caller in its User-Agent.

Every request is recorded, so that tests can check what was (not) fetched. The client is pointed at the
server by patching ``huggingface_hub.constants.ENDPOINT`` and the resolve-URL template (both are read from
``HF_ENDPOINT`` when huggingface_hub is imported); one test sets the environment variables for real in a
subprocess.
"""

import hashlib
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest
import torch
from huggingface_hub import constants, file_download
from huggingface_hub.utils import _http as hub_http
from safetensors.torch import load_file, save_file

from sk_swat.autoencoder import SWATAutoencoder, SWATAutoencoderConfig, load_autoencoder
from sk_swat.autoencoder import loading
from sk_swat.autoencoder.loading import AutoencoderLoadError

REPO = "swat-test/tiny-autoencoder"
COMMIT_MAIN = "a" * 40
COMMIT_V1 = "b" * 40
SMALL = dict(hidden_size=16, n_head=2, n_encoder_layers=1, n_decoder_layers=1)


# --------------------------------------------------------------------------- the fake Hub


def _git_blob_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class FakeHub:
    """A threaded HTTP server holding ``repos[repo_id] = {"refs": {...}, "commits": {sha: {name: bytes}}}``.

    ``faults[(repo_id, filename)]`` changes how a file's GET is answered:
    ``"truncate"`` sends half the body, then closes the connection, and answers 503 to every later GET;
    ``"short"`` sends a complete response whose body is shorter than the size the HEAD announced.
    """

    def __init__(self):
        self.repos = {}
        self.faults = {}
        self.requests = []
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_HEAD(self):
                hub._handle(self, head=True)

            def do_GET(self):
                hub._handle(self, head=False)

            def log_message(self, *args):  # keep pytest output clean
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def add_commit(self, repo_id, commit, files, refs=()):
        repo = self.repos.setdefault(repo_id, {"refs": {}, "commits": {}})
        repo["commits"][commit] = dict(files)
        for ref in refs:
            repo["refs"][ref] = commit

    def gets(self, filename=None):
        """Paths of the GET requests for repository files (of ``filename`` if given)."""
        return [
            p
            for m, p, _ in self.requests
            if m == "GET" and "/resolve/" in p and (filename is None or p.endswith("/" + filename))
        ]

    def file_requests(self):
        return [(m, p) for m, p, _ in self.requests if "/resolve/" in p]

    # ------------------------------------------------------------------ request handling

    def _handle(self, handler, head):
        self.requests.append((handler.command, handler.path, handler.headers))  # headers: case-insensitive
        parts = handler.path.split("?")[0].strip("/").split("/")
        if len(parts) >= 5 and parts[2] == "resolve":
            self._resolve(handler, head, "/".join(parts[:2]), parts[3], "/".join(parts[4:]))
        elif parts == ["api", "agent-harnesses"]:
            body = json.dumps({"standardEnvVars": [], "harnesses": {}}).encode()
            self._send(handler, 200, head, body, {"Content-Type": "application/json"})
        elif parts[:2] == ["api", "models"] and len(parts) in (4, 6):
            rev = parts[5] if len(parts) == 6 and parts[4] == "revision" else "main"
            self._model_info(handler, head, "/".join(parts[2:4]), rev)
        else:
            self._send(handler, 404, head, b"Not found", {"X-Error-Message": "Not found"})

    def _lookup(self, handler, head, repo_id, revision):
        repo = self.repos.get(repo_id)
        if repo is None:
            headers = {"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"}
            self._send(handler, 404, head, b"Repository not found", headers)
            return None, None
        commit = repo["refs"].get(revision, revision)
        if commit not in repo["commits"]:
            headers = {"X-Error-Code": "RevisionNotFound", "X-Error-Message": f"Invalid rev id: {revision}"}
            self._send(handler, 404, head, b"Invalid rev id", headers)
            return None, None
        return commit, repo["commits"][commit]

    def _resolve(self, handler, head, repo_id, revision, filename):
        commit, files = self._lookup(handler, head, repo_id, revision)
        if commit is None:
            return
        if filename not in files:
            headers = {"X-Error-Code": "EntryNotFound", "X-Error-Message": "Entry not found", "X-Repo-Commit": commit}
            self._send(handler, 404, head, b"Entry not found", headers)
            return
        data = files[filename]
        headers = {"X-Repo-Commit": commit, "ETag": f'"{_git_blob_sha1(data)}"', "Accept-Ranges": "bytes"}
        if filename.endswith((".safetensors", ".bin")):  # stored with git LFS on the real Hub
            headers.update({"X-Linked-Etag": f'"{hashlib.sha256(data).hexdigest()}"', "X-Linked-Size": str(len(data))})
        fault = self.faults.get((repo_id, filename))
        if head or fault is None:
            status, body = 200, data
            range_header = handler.headers.get("Range", "")
            if not head and range_header.startswith("bytes=") and range_header.endswith("-"):
                start = int(range_header[len("bytes=") : -1])
                status, body = 206, data[start:]
                headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
            self._send(handler, status, head, body, headers)
        elif fault == "short":
            self._send(handler, 200, head, data[: len(data) // 2], headers)
        elif fault == "truncate":
            if any(p.endswith("/" + filename) for p in self.gets()[:-1]):
                self._send(handler, 503, head, b"Service unavailable", {})
                return
            handler.send_response(200)
            for key, value in {**headers, "Content-Length": str(len(data))}.items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(data[: len(data) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
        else:
            raise AssertionError(fault)

    def _model_info(self, handler, head, repo_id, revision):
        commit, files = self._lookup(handler, head, repo_id, revision)
        if commit is None:
            return
        info = {
            "id": repo_id,
            "modelId": repo_id,
            "sha": commit,
            "private": False,
            "gated": False,
            "disabled": False,
            "siblings": [{"rfilename": name, "size": len(data)} for name, data in sorted(files.items())],
        }
        self._send(handler, 200, head, json.dumps(info).encode(), {"Content-Type": "application/json"})

    @staticmethod
    def _send(handler, status, head, body, headers):
        handler.send_response(status)
        for key, value in {"Content-Length": str(len(body)), **headers}.items():
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
    """Two tiny saved autoencoders with different weights: {"main": (model, files), "v1": (model, files)}."""
    out = {}
    for name, seed in (("main", 0), ("v1", 1)):
        model = _model(seed)
        directory = tmp_path_factory.mktemp(f"model-{name}")
        model.save_pretrained(directory)
        files = {p.name: p.read_bytes() for p in directory.iterdir()}
        out[name] = (model, files, directory)
    return out


@pytest.fixture
def hf_home(monkeypatch, tmp_path):
    """Online mode, no token, and every file huggingface_hub writes under a temporary HF_HOME."""
    home = tmp_path / "hf_home"
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(home / "hub"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(home / "token"))
    monkeypatch.setattr(constants, "HF_STORED_TOKENS_PATH", str(home / "stored_tokens"))
    monkeypatch.setattr(constants, "AGENT_HARNESSES_PATH", str(home / ".agent_harnesses.json"))
    return home


@pytest.fixture
def hub(monkeypatch, hf_home, model_files):
    """A running FakeHub serving REPO (main -> seed 0, tag v1 -> seed 1), with huggingface_hub pointed at it."""
    server = FakeHub()
    server.add_commit(REPO, COMMIT_MAIN, model_files["main"][1], refs=["main"])
    server.add_commit(REPO, COMMIT_V1, model_files["v1"][1], refs=["v1"])
    _point_client_at(monkeypatch, server.url)
    yield server
    server.close()


def _point_client_at(monkeypatch, url):
    monkeypatch.setattr(constants, "ENDPOINT", url)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", url + "/{repo_id}/resolve/{revision}/{filename}")


@pytest.fixture
def no_retry_sleep(monkeypatch):
    """huggingface_hub sleeps (up to ~23 s) between retries of a failed request; skip the waiting."""
    fake_time = types.SimpleNamespace(**{k: getattr(time, k) for k in dir(time) if not k.startswith("_")})
    fake_time.sleep = lambda seconds: None
    monkeypatch.setattr(hub_http, "time", fake_time)
    monkeypatch.setattr(file_download, "time", fake_time)


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


def _cache_files(cache):
    return sorted(str(p.relative_to(cache)) for p in Path(cache).rglob("*") if p.is_file() or p.is_symlink())


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


# --------------------------------------------------------------------------- Hub downloads


def test_download_by_repo_id_equals_local_model(hub, hf_home, model_files, tmp_path):
    model = load_autoencoder(REPO, cache_dir=tmp_path / "cache", token="hf_test_token")
    _assert_frozen(model)
    _assert_same_weights(model, model_files["main"][0])
    # Only the two files were fetched, with the token; weights from the commit the config came from.
    assert sorted(hub.gets()) == [
        f"/{REPO}/resolve/{COMMIT_MAIN}/model.safetensors",
        f"/{REPO}/resolve/main/config.json",
    ]
    file_headers = [h for _, p, h in hub.requests if "/resolve/" in p]
    assert all(h.get("Authorization") == "Bearer hf_test_token" for h in file_headers)
    assert all("sk-swat" in h.get("User-Agent", "") for h in file_headers)
    snapshot = tmp_path / "cache" / "models--swat-test--tiny-autoencoder" / "snapshots" / COMMIT_MAIN
    assert (snapshot / "model.safetensors").is_file()
    # The default cache (HF_HUB_CACHE) is used when cache_dir is None.
    load_autoencoder(REPO, device="cpu")
    assert (hf_home / "hub" / "models--swat-test--tiny-autoencoder" / "snapshots" / COMMIT_MAIN).is_dir()


def test_revision_pinning(hub, model_files, tmp_path):
    cache = tmp_path / "cache"
    _assert_same_weights(load_autoencoder(REPO, cache_dir=cache), model_files["main"][0])
    _assert_same_weights(load_autoencoder(REPO, "v1", cache_dir=cache), model_files["v1"][0])
    _assert_same_weights(load_autoencoder(REPO, COMMIT_V1, cache_dir=cache), model_files["v1"][0])
    _assert_same_weights(load_autoencoder(REPO, "main", cache_dir=cache), model_files["main"][0])
    with pytest.raises(AutoencoderLoadError, match="has no revision 'no-such-branch'.*branch, tag or commit hash"):
        load_autoencoder(REPO, "no-such-branch", cache_dir=cache)


def test_unknown_repo(hub, tmp_path):
    message = "There is no Hub repository 'swat-test/nothing-here'.*not a local directory either"
    with pytest.raises(AutoencoderLoadError, match=message):
        load_autoencoder("swat-test/nothing-here", cache_dir=tmp_path / "cache")


def test_offline_second_load_from_cache(hub, model_files, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    load_autoencoder(REPO, cache_dir=cache)
    load_autoencoder(REPO, "v1", cache_dir=cache)
    n_requests = len(hub.file_requests())
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    _assert_same_weights(load_autoencoder(REPO, cache_dir=cache), model_files["main"][0])
    _assert_same_weights(load_autoencoder(REPO, "v1", cache_dir=cache), model_files["v1"][0])
    # The environment variable alone (set after huggingface_hub was imported) is honoured too.
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    _assert_same_weights(load_autoencoder(REPO, cache_dir=cache), model_files["main"][0])
    monkeypatch.delenv("HF_HUB_OFFLINE")
    model = load_autoencoder(REPO, COMMIT_V1, cache_dir=cache, local_files_only=True)
    _assert_same_weights(model, model_files["v1"][0])
    assert len(hub.file_requests()) == n_requests  # nothing asked of the server


def test_offline_cache_miss(hub, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    message = "not in the Hugging Face cache.*offline mode is on.*HF_HUB_OFFLINE=0 or download it once with network"
    with pytest.raises(AutoencoderLoadError, match=message):
        load_autoencoder(REPO, cache_dir=tmp_path / "cache")
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    with pytest.raises(AutoencoderLoadError, match="local_files_only=True. Pass local_files_only=False"):
        load_autoencoder(REPO, cache_dir=tmp_path / "cache", local_files_only=True)
    assert hub.file_requests() == []


def test_server_down(monkeypatch, tmp_path, hf_home, no_retry_sleep):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    _point_client_at(monkeypatch, f"http://127.0.0.1:{port}")
    message = f"Could not reach the Hugging Face Hub at http://127.0.0.1:{port}.*ConnectError.*not in the cache"
    with pytest.raises(AutoencoderLoadError, match=message) as info:
        load_autoencoder(REPO, cache_dir=tmp_path / "cache", token=False)
    assert isinstance(info.value, ValueError) and isinstance(info.value, OSError)


def test_pickled_weights_are_refused(hub, model_files, tmp_path):
    files = dict(model_files["main"][1])
    state = load_file(model_files["main"][2] / "model.safetensors")
    del files["model.safetensors"]
    bin_path = tmp_path / "pytorch_model.bin"
    torch.save(state, bin_path)
    files["pytorch_model.bin"] = bin_path.read_bytes()
    hub.add_commit("swat-test/pickled", COMMIT_MAIN, files, refs=["main"])
    with pytest.raises(AutoencoderLoadError, match="has no model.safetensors.*never unpickles"):
        load_autoencoder("swat-test/pickled", cache_dir=tmp_path / "cache")
    assert not hub.gets("pytorch_model.bin")  # not even downloaded
    # The same directory on disk is refused too.
    directory = _save_dir(tmp_path, "pickled", files)
    with pytest.raises(AutoencoderLoadError, match="no model.safetensors \\(only the pickled pytorch_model.bin"):
        load_autoencoder(directory)


def test_corrupt_safetensors(hub, model_files, tmp_path):
    files = dict(model_files["main"][1])
    files["model.safetensors"] = b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}" + bytes(64)
    hub.add_commit("swat-test/corrupt", COMMIT_MAIN, files, refs=["main"])
    cache = tmp_path / "cache"
    with pytest.raises(AutoencoderLoadError, match="not a readable safetensors file.*removed"):
        load_autoencoder("swat-test/corrupt", cache_dir=cache)
    # The broken blob does not stay in the cache (only config.json's blob does).
    blobs = list((cache / "models--swat-test--corrupt" / "blobs").iterdir())
    assert [b.name for b in blobs] == [_git_blob_sha1(files["config.json"])]
    assert not (cache / "models--swat-test--corrupt" / "snapshots" / COMMIT_MAIN / "model.safetensors").exists()
    # A truncated local file.
    weights = model_files["main"][1]["model.safetensors"]
    directory = _save_dir(tmp_path, "truncated", {**files, "model.safetensors": weights[: len(weights) // 2]})
    with pytest.raises(AutoencoderLoadError, match="not a readable safetensors file"):
        load_autoencoder(str(directory))


def test_damaged_cache_copy_is_detected_and_replaced(hub, model_files, tmp_path):
    cache = tmp_path / "cache"
    load_autoencoder(REPO, cache_dir=cache)
    pointer = cache / "models--swat-test--tiny-autoencoder" / "snapshots" / COMMIT_MAIN / "model.safetensors"
    blob = pointer.resolve()
    data = bytearray(blob.read_bytes())
    data[-8:] = b"\xff" * 8  # flip bytes in the tensor data: the header still parses
    blob.chmod(0o644)
    blob.write_bytes(bytes(data))
    with pytest.raises(AutoencoderLoadError, match="is damaged: its sha256 is"):
        load_autoencoder(REPO, cache_dir=cache)
    assert not blob.exists() and not pointer.exists()
    _assert_same_weights(load_autoencoder(REPO, cache_dir=cache), model_files["main"][0])  # downloaded afresh


@pytest.mark.parametrize("fault", ["short", "truncate"])
def test_failed_download_leaves_nothing_in_cache(hub, model_files, tmp_path, fault, no_retry_sleep):
    hub.add_commit("swat-test/flaky", COMMIT_MAIN, model_files["main"][1], refs=["main"])
    hub.faults[("swat-test/flaky", "model.safetensors")] = fault
    cache = tmp_path / "cache"
    with pytest.raises(AutoencoderLoadError, match="(Downloading|answered HTTP 503).*model.safetensors"):
        load_autoencoder("swat-test/flaky", cache_dir=cache)
    assert len(hub.gets("model.safetensors")) == (1 if fault == "short" else 2)  # 'truncate': resumed once
    files = _cache_files(cache / "models--swat-test--flaky")
    config_blob = _git_blob_sha1(model_files["main"][1]["config.json"])
    assert not [f for f in files if f.endswith(".incomplete")]
    assert [f for f in files if f.startswith("blobs/")] == [f"blobs/{config_blob}"]
    assert not [f for f in files if f.endswith("model.safetensors")]
    # Once the server behaves, the same cache works.
    del hub.faults[("swat-test/flaky", "model.safetensors")]
    _assert_same_weights(load_autoencoder("swat-test/flaky", cache_dir=cache), model_files["main"][0])


@pytest.mark.parametrize(
    "change, message",
    [
        ({"layout_version": 999}, "different MLP token layout.*layout_version=999"),
        ({"max_inputs": 8}, "different MLP token layout.*max_inputs=8"),
        ({"model_type": "gpt2"}, "model_type='gpt2', not 'swat_autoencoder'"),
        ({"hidden_size": 32}, "do not fit|does not fit"),
    ],
)
def test_incompatible_config(hub, model_files, tmp_path, change, message):
    files = {**model_files["main"][1], "config.json": _config_bytes(model_files["main"][1], **change)}
    hub.add_commit("swat-test/incompatible", COMMIT_MAIN, files, refs=["main"])
    with pytest.raises(AutoencoderLoadError, match=message):
        load_autoencoder("swat-test/incompatible", cache_dir=tmp_path / "cache")
    with pytest.raises(AutoencoderLoadError, match=message):
        load_autoencoder(_save_dir(tmp_path, "incompatible", files))


@pytest.mark.slow
def test_env_vars_in_subprocess(hub, model_files, tmp_path):
    """HF_ENDPOINT and HF_HOME set for real (huggingface_hub reads them at import), then HF_HUB_OFFLINE=1.

    One child process (importing torch is the slow part): it downloads through the environment's
    endpoint into $HF_HOME/hub, then loads again with HF_HUB_OFFLINE=1 set at run time.
    """
    expected = tmp_path / "expected.safetensors"
    save_file(model_files["main"][0].state_dict(), expected)
    code = """if True:
        import os, sys, torch
        from safetensors.torch import load_file
        from sk_swat.autoencoder import load_autoencoder
        expected = load_file(sys.argv[2])
        for offline in ("0", "1"):
            os.environ["HF_HUB_OFFLINE"] = offline
            state = load_autoencoder(sys.argv[1]).state_dict()
            assert all(torch.equal(state[k], v) for k, v in expected.items())
        assert os.path.isdir(os.path.join(os.environ["HF_HOME"], "hub", "models--swat-test--tiny-autoencoder"))
    """
    env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "home"), "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
    for var in ("HF_HUB_CACHE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN"):
        env.pop(var, None)
    result = subprocess.run(
        [sys.executable, "-c", code, REPO, str(expected)], env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # One download (HEAD + GET of each file); the offline load asked the server nothing.
    assert sorted(m for m, _ in hub.file_requests()) == ["GET", "GET", "HEAD", "HEAD"]


# --------------------------------------------------------------------------- local and bundled


def test_local_directory(model_files, tmp_path):
    model, _, directory = model_files["main"]
    for arg in (directory, str(directory)):
        loaded = load_autoencoder(arg)
        _assert_frozen(loaded)
        _assert_same_weights(loaded, model)
    with pytest.raises(AutoencoderLoadError, match="revision applies only to a Hugging Face Hub repo id"):
        load_autoencoder(directory, revision="v1")


def test_local_directory_problems(model_files, tmp_path):
    with pytest.raises(AutoencoderLoadError, match="is neither an existing local directory nor a Hugging Face Hub"):
        load_autoencoder(str(tmp_path / "missing"))
    with pytest.raises(AutoencoderLoadError, match="does not exist"):
        load_autoencoder(tmp_path / "missing")
    with pytest.raises(AutoencoderLoadError, match="is a file, not a directory"):
        load_autoencoder(model_files["main"][2] / "config.json")
    with pytest.raises(AutoencoderLoadError, match="has no config.json"):
        load_autoencoder(_save_dir(tmp_path, "empty", {}))
    files = model_files["main"][1]
    with pytest.raises(AutoencoderLoadError, match="cannot be read as JSON"):
        load_autoencoder(_save_dir(tmp_path, "badjson", {**files, "config.json": b"{oops"}))
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
    with pytest.raises(AutoencoderLoadError, match="not a device torch knows"):
        load_autoencoder(directory, device="warp-drive")
    _assert_frozen(load_autoencoder(directory, device=torch.device("cpu")))
    _assert_frozen(load_autoencoder(directory, device="auto"), "cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(AutoencoderLoadError, match="CUDA is not available"):
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
    model = load_autoencoder()
    _assert_frozen(model)


def test_default_path_mechanics_without_network(monkeypatch, model_files, tmp_path, no_network):
    """The None path, pointed at a tiny model (the real bundled weights may not exist yet)."""
    monkeypatch.setattr(loading, "BUNDLED_DIR", model_files["main"][2])
    _assert_same_weights(load_autoencoder(), model_files["main"][0])
    with pytest.raises(AutoencoderLoadError, match="revision applies only"):
        load_autoencoder(revision="v1")
    monkeypatch.setattr(loading, "BUNDLED_DIR", tmp_path / "pretrained")
    with pytest.raises(AutoencoderLoadError, match="has no bundled autoencoder weights.*sk-swat pretrain"):
        load_autoencoder()
