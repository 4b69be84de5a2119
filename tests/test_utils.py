"""Tests for sk_swat.utils: the device resolution and the whole-file writes."""

import pytest
import torch

from sk_swat.utils import atomic_path, atomic_write, resolve_device


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="Unknown device 'nonsense'"):
        resolve_device("nonsense")
    with pytest.raises(ValueError, match="Unsupported device 'meta'"):
        resolve_device("meta")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU"):
            resolve_device("cuda")


def test_atomic_write_text_and_bytes(tmp_path):
    atomic_write(tmp_path / "sub" / "a.csv", "x,y\r\n1,2\n")
    assert (tmp_path / "sub" / "a.csv").read_bytes() == b"x,y\r\n1,2\n"  # no newline translation
    atomic_write(tmp_path / "sub" / "a.csv", b"\x89PNG")
    assert (tmp_path / "sub" / "a.csv").read_bytes() == b"\x89PNG"
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["a.csv"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "state.pt"
    path.write_text("old")
    with pytest.raises(RuntimeError, match="killed"):
        with atomic_path(path) as part:
            part.write_text("half")
            raise RuntimeError("killed")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.pt"]


def test_a_directory_is_replaced_whole(tmp_path):
    path = tmp_path / "model"
    path.mkdir()
    (path / "old.json").write_text("{}")
    with atomic_path(path) as part:
        part.mkdir()
        (part / "config.json").write_text("{}")
    assert [p.name for p in path.iterdir()] == ["config.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
    with pytest.raises(RuntimeError):
        with atomic_path(path) as part:
            part.mkdir()
            raise RuntimeError
    assert [p.name for p in path.iterdir()] == ["config.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
