"""Pretraining under torchrun: two CPU processes (gloo) keep identical weights."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest
import torch

SCRIPT = textwrap.dedent(
    """
    import os
    import sys

    import torch
    import torch.distributed as dist

    torch.set_num_threads(1)

    from sk_swat.autoencoder import SWATAutoencoder, SWATAutoencoderConfig
    from sk_swat.autoencoder import pretraining
    from sk_swat.autoencoder.pretraining import PretrainSettings, pretrain

    out_dir, weights_dir = sys.argv[1], sys.argv[2]
    rank = int(os.environ["RANK"])

    # Keep a handle on the model pretrain builds (pretrain returns only numbers): a subclass
    # that records its instances and their initial weights. The real model runs unchanged.
    built = []

    class Recorded(SWATAutoencoder):
        def __init__(self, config):
            super().__init__(config)
            built.append(self)
            torch.save({k: v.clone() for k, v in self.state_dict().items()},
                       os.path.join(weights_dir, f"initial{rank}.pt"))

    pretraining.MODEL_CLASSES[SWATAutoencoderConfig.model_type] = Recorded

    result = pretrain(
        out_dir,
        PretrainSettings(n_mlps=64, batch_size=8, n_points=32, n_holdout=4, checkpoint_every=2),
        SWATAutoencoderConfig(hidden_size=16, n_head=2, n_encoder_layers=1, n_decoder_layers=1),
    )
    assert dist.is_initialized() and dist.get_backend() == "gloo"
    assert dist.get_world_size() == 2 and dist.get_rank() == rank
    (model,) = built
    torch.save(
        {"state": model.state_dict(), "result": result},
        os.path.join(weights_dir, f"rank{rank}.pt"),
    )
    dist.destroy_process_group()
    """
)


class _Torchrun:
    """The script under ``torchrun --nproc_per_node 2`` (two fresh interpreters), running in the background."""

    def __init__(self, directory):
        script = directory / "run_pretrain.py"
        script.write_text(SCRIPT)
        self.out_dir, self.weights_dir = directory / "out", directory / "weights"
        self.weights_dir.mkdir()
        env = {k: v for k, v in os.environ.items()
               if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")}
        env.update(OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES="")
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               str(script), str(self.out_dir), str(self.weights_dir)]
        self.log = open(directory / "torchrun.log", "w+")
        # A session of its own: stop() ends the launcher and both workers.
        self.process = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def stop(self):
        """End whatever of the run is left; return its output."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        self.log.seek(0)
        output = self.log.read()
        self.log.close()
        return output


_EARLY = {}


def start_children(tmp_path_factory, items):
    """conftest.py calls this before the first test: torchrun starts while the tests before this one run."""
    _EARLY["torchrun"] = _Torchrun(tmp_path_factory.mktemp("torchrun"))


def stop_children():
    if "torchrun" in _EARLY:
        _EARLY.pop("torchrun").stop()


@pytest.mark.slow  # two torchrun processes import torch and transformers
def test_pretrain_under_torchrun_keeps_ranks_in_sync(tmp_path):
    run = _EARLY.pop("torchrun", None) or _Torchrun(tmp_path)
    try:
        returncode = run.process.wait(timeout=180)
    except subprocess.TimeoutExpired:  # pragma: no cover - only on a hang
        returncode = None
    output = run.stop()
    assert returncode is not None, f"torchrun did not finish in 180 s:\n{output[-10000:]}"
    assert returncode == 0, f"torchrun failed:\n{output[-10000:]}"
    out_dir, weights_dir = run.out_dir, run.weights_dir

    ranks = [torch.load(weights_dir / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    initial = [torch.load(weights_dir / f"initial{r}.pt", weights_only=True) for r in (0, 1)]
    for r in ranks:
        # 64 MLPs over 2 processes x 8 per step: 4 steps
        assert (r["result"]["step"], r["result"]["mlps_seen"]) == (4, 64)
    s0, s1 = ranks[0]["state"], ranks[1]["state"]
    assert s0.keys() == s1.keys()
    for key in s0:
        assert torch.equal(s0[key], s1[key]), f"{key} differs between ranks"
    changed = [k for k in s0 if not torch.equal(s0[k], initial[0][k])]
    assert len(changed) > len(s0) // 2, "training did not change the weights"
    for key in s0:  # both processes start from the same seeded initialisation
        assert torch.equal(initial[0][key], initial[1][key]), key

    # rank 0 alone writes the checkpoint, and it holds the trained weights
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "checkpoint.pt", "log.csv", "model", "pretraining.lock", "settings.json"]
    checkpoint = torch.load(out_dir / "checkpoint.pt", weights_only=True)
    assert (checkpoint["step"], checkpoint["mlps_seen"]) == (4, 64)
    for key in s0:
        assert torch.equal(checkpoint["model"][key], s0[key]), key
