"""Tests for the CORNN harness (benchmarks.cornn).

Every harness run here is a ``quick=True`` run (a handful of iterations per fit) on one or two
functions and one depth; the real runs are ``python -m benchmarks.cornn`` and write docs/benchmarks/.
"""

import csv
import hashlib
import os
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from filelock import FileLock

from benchmarks.cornn import cli, experiments, report, runner
from benchmarks.cornn.compare import compare_results
from benchmarks.cornn.provenance import PROVENANCE_FIELDS, read_runs, record_run
from benchmarks.cornn.results import FIELDS, file_lock, read_results, row_key
from benchmarks.cornn.runner import run_experiment
from benchmarks.cornn.selection import best_models
from sk_swat import SWATRegressor
from sk_swat.baselines import DartsMLPRegressor, DenseMLPRegressor, SWATADMMRegressor
from sk_swat.search import PAPER_TOLERANCE

QUICK = {"quick": True, "device": "cpu", "depths": (1,)}


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _results(path):
    """{key: (test_mse, n_nonzero)}: what must not change between identical runs."""
    return {row_key(r): (r["test_mse"], r["n_nonzero"]) for r in _rows(path)}


@pytest.fixture(scope="module")
def quick_dir(tmp_path_factory):
    """All four experiments, quick, depth 1, on Ackley (F1) and Xin-She Yang N.4 (F53, tuning set)."""
    out = tmp_path_factory.mktemp("quick")
    for name in experiments.EXPERIMENTS:
        run_experiment(name, functions=[1, "F53"], output_dir=out, **QUICK)
    return out


@pytest.fixture
def count_fits(monkeypatch):
    """Count the fits the harness runs (sequential backend: tasks run in this process)."""
    calls = []
    original = runner._run_task

    def counting(task):
        calls.append(task)
        return original(task)

    monkeypatch.setattr(runner, "_run_task", counting)
    return calls


# ------------------------------------------------------------------------------------------------
# Experiment definitions
# ------------------------------------------------------------------------------------------------


def test_experiment_definitions():
    sizes = {
        "exp1": 3 * 4, "exp2": 4 + 2 * 4 * 3, "exp3": 3 * 4, "penalty_levels": 3 * 4, "ablation": 6 * 4,
        "swat_vs_dense": 4 + 4 * 3,
    }
    for name, size in sizes.items():
        exp = experiments.get_experiment(name)
        assert len(exp.configurations) == size
        assert len({(c.method, c.config) for c in exp.configurations}) == size
        assert exp.reference in dict(exp.methods)

    by_key = {(c.method, c.config): c.estimator for c in experiments.get_experiment("exp1").configurations}
    assert isinstance(by_key["swat", "depth=3"], SWATRegressor) and by_key["swat", "depth=3"].depths == (3,)
    # The paper's experiments choose among a fit's candidates by the paper's 5 % rule; all else at the defaults.
    assert by_key["swat", "depth=3"].get_params() == SWATRegressor(depths=(3,), tol=PAPER_TOLERANCE).get_params()
    darts = by_key["darts_admm", "depth=2"]
    assert isinstance(darts, DartsMLPRegressor) and darts.n_layers == 2
    assert by_key["pruned_dense", "depth=2"].hidden_layer_sizes == (7, 7)

    by_key = {(c.method, c.config): c.estimator for c in experiments.get_experiment("ablation").configurations}
    paper = dict(depths=(2,), tol=PAPER_TOLERANCE)
    assert by_key["no_steps", "depth=2"].get_params() == SWATRegressor(max_iter=0, **paper).get_params()
    assert by_key["swat", "depth=2"].get_params() == SWATRegressor(**paper).get_params()

    by_key = {(c.method, c.config): c.estimator for c in experiments.get_experiment("exp2").configurations}
    search = by_key["swat_search", "depth=1"]
    assert (search.activation, search.lambda_s, search.prune_neurons) == ("search", 0.0, False)
    fixed = by_key["swat_fixed", "depth=4,activation=tanh"]
    assert (fixed.activation, fixed.lambda_s, fixed.prune_neurons, fixed.depths) == ("tanh", 0.0, False, (4,))
    dense = by_key["dense", "depth=2,activation=leaky_relu"]
    assert isinstance(dense, DenseMLPRegressor) and tuple(dense.hidden_layer_sizes) == (7, 7)

    by_key = {(c.method, c.config): c.estimator for c in experiments.get_experiment("exp3").configurations}
    sparse = by_key["swat_sparse", "depth=1"]
    assert (sparse.lambda_s, sparse.prune_neurons, sparse.activation) == (1e-3, False, "search")
    admm = by_key["swat_admm", "depth=2"]
    assert isinstance(admm, SWATADMMRegressor) and (admm.rho, admm.threshold) == (2.0, 0.1)
    assert (admm.estimator.lambda_s, admm.estimator.prune_neurons, admm.estimator.depths) == (0.0, False, (2,))
    assert by_key["swat_unpruned", "depth=2"].get_params() == admm.estimator.get_params()

    levels = {
        c.method: (c.estimator.lambda_s, c.estimator.alpha, c.estimator.beta)
        for c in experiments.get_experiment("penalty_levels").configurations
    }
    assert levels == {
        "swat_small": (1e-5, 0.1, 1e-4), "swat_medium": (1e-4, 0.4, 1e-3), "swat_large": (1e-3, 0.4, 1e-1)
    }


def test_make_sets_seed_device_and_quick_settings_everywhere():
    conf = next(c for c in experiments.get_experiment("exp3").configurations if c.method == "swat_admm")
    est = conf.make(7, device="cpu", quick=True)
    assert (est.estimator.random_state, est.estimator.device, est.estimator.max_iter) == (7, "cpu", 4)
    assert est.admm_iter == experiments.QUICK_PARAMS["admm_iter"]
    real = conf.make(7, device="cpu")
    assert real.estimator.max_iter == SWATRegressor().max_iter and real.admm_iter == 3000
    assert conf.estimator.estimator.random_state is None  # the prototype is left alone


def test_select_and_resolve_errors():
    with pytest.raises(ValueError, match="Unknown experiment"):
        experiments.get_experiment("exp4")
    with pytest.raises(ValueError, match="depths must lie"):
        experiments.get_experiment("exp1").select(depths=[5])
    with pytest.raises(ValueError, match="Unknown methods"):
        experiments.get_experiment("exp1").select(methods=["nope"])
    assert experiments.resolve_functions(["F54", "53", "sphere", 53]) == ["Sphere", "Xin-She Yang N.4", "Zakharov"]
    assert len(experiments.resolve_functions(None)) == 54


# ------------------------------------------------------------------------------------------------
# Running: rows, resume, interruption, determinism
# ------------------------------------------------------------------------------------------------


def test_rows_written(quick_dir):
    rows = _rows(quick_dir / "exp1-quick.csv")
    assert set(rows[0]) == set(FIELDS)
    assert {(r["method"], r["function"], r["config"]) for r in rows} == {
        (m, f, "depth=1 [quick]") for m in ("swat", "darts_admm", "pruned_dense") for f in ("Ackley", "Xin-She Yang N.4")
    }
    for r in rows:
        assert float(r["test_mse"]) > 0 and int(r["n_nonzero"]) > 0 and float(r["fit_seconds"]) >= 0
        assert r["device"] == "cpu" and r["seed"] == "0"
    assert len(_rows(quick_dir / "exp2-quick.csv")) == 2 * 7
    assert not (quick_dir / "exp1.csv").exists()  # quick rows never land in the real CSV


def test_rerun_adds_nothing(quick_dir, count_fits):
    before = (quick_dir / "exp3-quick.csv").read_text()
    run_experiment("exp3", functions=["Ackley", 53], output_dir=quick_dir, **QUICK)
    assert count_fits == []
    assert (quick_dir / "exp3-quick.csv").read_text() == before


def test_interrupted_run_completes_only_missing_rows(tmp_path, count_fits):
    run_experiment("exp1", functions=[53], output_dir=tmp_path, **QUICK)
    assert len(count_fits) == 3
    first = _results(tmp_path / "exp1-quick.csv")
    run_experiment("exp1", functions=[53, 54], output_dir=tmp_path, **QUICK)
    assert len(count_fits) == 6 and {t[1] for t in count_fits[3:]} == {"Zakharov"}
    rows = _rows(tmp_path / "exp1-quick.csv")
    assert len(rows) == 6
    assert {k: v for k, v in _results(tmp_path / "exp1-quick.csv").items() if k in first} == first
    # Sorted by function, then configuration: a stable file whatever order the fits ended in.
    assert [(r["function"], r["method"]) for r in rows] == [
        ("Xin-She Yang N.4", "swat"), ("Xin-She Yang N.4", "darts_admm"), ("Xin-She Yang N.4", "pruned_dense"),
        ("Zakharov", "swat"), ("Zakharov", "darts_admm"), ("Zakharov", "pruned_dense"),
    ]


def test_half_written_row_is_dropped_and_rerun(tmp_path, count_fits):
    path = tmp_path / "exp1-quick.csv"
    run_experiment("exp1", functions=[53], output_dir=tmp_path, **QUICK)
    complete = path.read_text()
    lines = complete.splitlines(keepends=True)
    path.write_text("".join(lines[:-1]) + lines[-1][:25])  # killed in the middle of the last write
    run_experiment("exp1", functions=[53], output_dir=tmp_path, **QUICK)
    assert len(count_fits) == 4
    assert _results(path) == {k: v for k, v in _results_from_text(complete).items()}


def _results_from_text(text):
    return {row_key(r): (r["test_mse"], r["n_nonzero"]) for r in csv.DictReader(text.splitlines())}


def test_rows_added_by_another_run_meanwhile_are_kept(tmp_path, monkeypatch):
    path = tmp_path / "exp1-quick.csv"
    original = runner._run_task
    foreign = {"method": "darts_admm", "function": "Ackley", "config": "depth=1 [quick]", "seed": "0",
               "test_mse": "0.5", "n_nonzero": "9", "architecture": "{}", "fit_seconds": "1.0", "device": "cpu"}

    def run_beside_another(task):
        row = original(task)
        # Another process appends its row while this run is busy.
        with open(path, "a", newline="") as fh:
            csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n").writerow(foreign)
        return row

    monkeypatch.setattr(runner, "_run_task", run_beside_another)
    run_experiment("exp1", functions=["Ackley"], methods=["swat"], output_dir=tmp_path, **QUICK)
    assert [(r["method"], r["config"]) for r in _rows(path)] == [
        ("swat", "depth=1 [quick]"), ("darts_admm", "depth=1 [quick]")
    ]


def test_a_row_half_appended_by_another_run_at_start_is_not_repaired_away(tmp_path, monkeypatch):
    """Another run holds the lock and has written half its row when this run starts: the row survives."""
    path = tmp_path / "exp1-quick.csv"
    run_experiment("exp1", functions=["Ackley"], methods=["swat"], output_dir=tmp_path, **QUICK)
    foreign = ",".join(["darts_admm", "Ackley", "depth=1 [quick]", "0", "0.5", "9", "{}", "1.0", "cpu"]) + "\n"
    half_written, this_run_waits = threading.Event(), threading.Event()

    def other_run():
        with file_lock(path), open(path, "a") as fh:
            fh.write(foreign[:20])
            fh.flush()
            half_written.set()
            this_run_waits.wait(60)
            fh.write(foreign[20:])

    class Lock(FileLock):
        def acquire(self, *args, **kwargs):
            this_run_waits.set()  # the other run may finish its row once this run asks for the lock
            return super().acquire(*args, **kwargs)

    monkeypatch.setattr(runner, "file_lock", lambda p: Lock(f"{p}.lock"))
    thread = threading.Thread(target=other_run)
    thread.start()
    half_written.wait(60)
    run_experiment("exp1", functions=["Ackley"], methods=["swat"], output_dir=tmp_path, **QUICK)
    thread.join()
    assert [(r["method"], r["test_mse"]) for r in _rows(path)][1:] == [("darts_admm", "0.5")]


def test_reading_without_repair_leaves_the_file_alone(tmp_path):
    path = tmp_path / "exp1-quick.csv"
    text = ",".join(FIELDS) + "\nswat,Sphere,depth=1,0,0.1,9,{},1.0,cpu\nswat,Sph"
    path.write_text(text)
    assert len(read_results(path)) == 1
    assert path.read_text() == text


KILLED_RUN = """
import os, sys, time
from benchmarks.cornn import cli, runner

def blocking(task):  # a fit that would take an hour; pickled by value into the loky workers
    open(os.path.join(sys.argv[1], str(os.getpid())), "w").close()
    for _ in range(36000):  # or until the tests are gone: they start this run before their first test
        if not os.path.exists(f"/proc/{sys.argv[3]}"):
            break
        time.sleep(0.1)

runner._run_task = blocking
# What is recorded is test_cli_run_records_command_versions_and_hardware's business; recording it
# imports transformers (the autoencoder's digest), seconds before the workers can start.
cli.record_run = lambda output_dir, command: None
cli.main(["--experiments", "exp1", "--functions", "1", "2", "--methods", "swat", "--depths", "1", "--quick",
          "--device", "cpu", "--n-jobs", "2", "--backend", "loky", "--quiet", "--output-dir", sys.argv[2]])
"""


def _running(pid):
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


class _KilledRun:
    """KILLED_RUN in the background: two loky workers that write their pids to ``pids`` and block."""

    def __init__(self, directory):
        script, self.pids, out = directory / "run.py", directory / "pids", directory / "out"
        script.write_text(KILLED_RUN)
        self.pids.mkdir()
        repo = Path(__file__).resolve().parents[3]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(repo), os.environ.get("PYTHONPATH", "")])}
        argv = [sys.executable, str(script), str(self.pids), str(out), str(os.getpid())]
        self.process = subprocess.Popen(argv, cwd=repo, env=env)

    def stop(self):
        self.process.kill()
        self.process.wait()
        for p in self.pids.iterdir():
            if _running(int(p.name)):
                os.kill(int(p.name), signal.SIGKILL)


_PROC_STATES = Path("/proc/self/stat").exists()
_EARLY = {}


def start_children(tmp_path_factory, items):
    """conftest.py calls this before the first test: the run's imports (seconds) overlap the tests before it."""
    if _PROC_STATES and any(item.name == "test_terminated_run_takes_its_workers_with_it" for item in items):
        _EARLY["killed_run"] = _KilledRun(tmp_path_factory.mktemp("killed_run"))


def stop_children():
    if "killed_run" in _EARLY:
        _EARLY.pop("killed_run").stop()


@pytest.mark.skipif(not _PROC_STATES, reason="reads process states from /proc")
def test_terminated_run_takes_its_workers_with_it(tmp_path):
    run = _EARLY.pop("killed_run", None) or _KilledRun(tmp_path)
    proc, pids = run.process, run.pids
    try:
        while len(list(pids.iterdir())) < 2 and proc.poll() is None:  # both workers inside a fit
            time.sleep(0.1)
        assert proc.poll() is None, "the run ended before its workers started"
        workers = [int(p.name) for p in pids.iterdir()]
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
        assert [pid for pid in workers if _running(pid)] == [], "workers outlived the terminated run"
    finally:
        run.stop()


def test_two_fresh_runs_are_identical(quick_dir, tmp_path):
    # The second run is parallel (two threads, rows arriving in any order): same numbers.
    run_experiment("exp3", functions=[1, 53], output_dir=tmp_path, n_jobs=2, backend="threading", **QUICK)
    assert _results(tmp_path / "exp3-quick.csv") == _results(quick_dir / "exp3-quick.csv")
    assert len(_results(tmp_path / "exp3-quick.csv")) == 2 * 3


def test_identical_fits_of_another_experiment_are_copied_not_rerun(tmp_path, count_fits):
    run_experiment("exp1", functions=["Sphere"], methods=["swat"], output_dir=tmp_path, **QUICK)
    assert len(count_fits) == 1
    run_experiment("penalty_levels", functions=["Sphere"], output_dir=tmp_path, **QUICK)
    # swat_medium is exp1's swat (same estimator, same parameters): copied; small and large are fitted.
    assert sorted(task[0].method for task in count_fits[1:]) == ["swat_large", "swat_small"]
    [swat] = _rows(tmp_path / "exp1-quick.csv")
    medium = [r for r in _rows(tmp_path / "penalty_levels-quick.csv") if r["method"] == "swat_medium"]
    assert medium == [{**swat, "method": "swat_medium"}]
    # Without reuse (a fresh folder for that experiment), the same fit gives the same numbers.
    fresh = tmp_path / "fresh"
    run_experiment("penalty_levels", functions=["Sphere"], methods=["swat_medium"], output_dir=fresh, **QUICK)
    [again] = _rows(fresh / "penalty_levels-quick.csv")
    assert (again["test_mse"], again["n_nonzero"]) == (swat["test_mse"], swat["n_nonzero"])
    # A row fitted on another device is not reused; reuse=False never reuses.
    assert runner._same_fits_elsewhere(experiments.get_experiment("penalty_levels"), tmp_path, True, "cuda") == {}
    (tmp_path / "penalty_levels-quick.csv").unlink()
    run_experiment("penalty_levels", functions=["Sphere"], methods=["swat_medium"], output_dir=tmp_path,
                      reuse=False, **QUICK)
    assert [task[0].method for task in count_fits[4:]] == ["swat_medium"]


def test_compare_reports_a_reproduced_run(quick_dir, tmp_path):
    run_experiment("exp1", functions=[1, 53], output_dir=tmp_path, **QUICK)
    argv = ["--compare", str(quick_dir), "--output-dir", str(tmp_path), "--quick", "--experiments", "exp1"]
    assert cli.main(argv) == 0
    [result] = compare_results(quick_dir, tmp_path, quick=True)
    assert result.reproduced and result.n_common == result.n_reference == 2 * 3
    assert result.max_relative_mse_difference == 0.0
    report = (tmp_path / "reproduction.md").read_text()
    assert "| exp1 | 6 | 6 | 6 | 0 | 0.00e+00 | 0 |" in report
    # run_experiment records no run (only the CLI does), so this folder's hardware is unknown.
    assert "second run unrecorded" in report


def test_compare_finds_a_changed_fit_and_a_changed_best_model(tmp_path):
    reference, other = tmp_path / "reference", tmp_path / "other"
    reference.mkdir(), other.mkdir()
    rows = [
        ("swat", "Ackley", "depth=1", 0, 0.100, 30),
        ("swat", "Ackley", "depth=2", 0, 0.104, 12),
        ("darts_admm", "Ackley", "depth=1", 0, 0.090, 40),
        ("swat", "Sphere", "depth=1", 0, 0.010, 10),
        ("darts_admm", "Sphere", "depth=1", 0, 0.020, 20),
    ]
    _write_rows(reference / "exp1.csv", rows)
    # The second run: Ackley depth=2 is now 10 % worse, so depth=1 becomes SWAT's best; one more row.
    changed = [r if r[2:] != ("depth=2", 0, 0.104, 12) else (*r[:4], 0.1144, 12) for r in rows]
    _write_rows(other / "exp1.csv", changed + [("darts_admm", "Sphere", "depth=2", 0, 0.5, 3)])
    [result] = compare_results(reference, other)
    assert not result.reproduced
    assert (result.n_reference, result.n_other, result.n_common) == (5, 6, 5)
    assert [key for key, _, _ in result.differing] == [("swat", "Ackley", "depth=2", "0")]
    assert result.max_relative_mse_difference == pytest.approx(0.1)
    assert [(cell, a["config"], b["config"]) for cell, a, b in result.differing_best] == [
        (("Ackley", "swat"), "depth=2", "depth=1")
    ]
    argv = ["--compare", str(reference), "--output-dir", str(other), "--experiments", "exp1"]
    assert cli.main(argv) == 1
    text = (other / "reproduction.md").read_text()
    assert "| no |" in text and "best swat on Ackley: depth=2" in text
    # A tolerance wider than the change still sees the new best model.
    assert not compare_results(reference, other, rtol=0.2)[0].reproduced


def test_compare_refuses_folders_without_common_results(tmp_path):
    with pytest.raises(ValueError, match="is not a folder"):
        compare_results(tmp_path / "missing", tmp_path)
    with pytest.raises(ValueError, match="No experiment has results in both"):
        compare_results(tmp_path, tmp_path)


def test_backend_without_result_generator_runs_in_batches():
    # "multiprocessing" cannot hand results back one by one: the harness falls back to batches.
    out = runner._iter_results(abs, [-3, -1, -2, -5, -4], n_jobs=2, backend="multiprocessing")
    assert sorted(out) == [1, 2, 3, 4, 5]


def test_foreign_csv_is_refused(tmp_path):
    (tmp_path / "exp1.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="expected"):
        run_experiment("exp1", functions=[53], output_dir=tmp_path, depths=(1,), device="cpu")


# ------------------------------------------------------------------------------------------------
# Summary, figures, best-model rule
# ------------------------------------------------------------------------------------------------


def _is_png(path):
    with open(path, "rb") as fh:
        head = fh.read(24)
    width, height = struct.unpack(">II", head[16:24])
    return head[:8] == b"\x89PNG\r\n\x1a\n" and width > 100 and height > 100


def test_summary_and_figures(quick_dir):
    path = report.summarise(quick_dir, quick=True)
    assert path == quick_dir / "summary-quick.md"
    text = path.read_text()
    assert "Quick smoke-test run" in text
    for exp in map(experiments.get_experiment, experiments.EXPERIMENTS):
        assert f"## {exp.title}" in text
        for _, suffix, _ in exp.figures:
            assert _is_png(quick_dir / f"{exp.name}-quick_{suffix}.png"), suffix
    n = len(experiments.EXPERIMENTS)
    assert text.count("### Evaluation functions") == n and text.count("### Tuning functions F53, F54") == n
    assert "| 1 | Ackley |" in text and "| 53 | Xin-She Yang N.4 |" in text
    assert "median fit seconds" in text
    # The tables depend only on the rows: summarising again gives the same text.
    assert report.summarise(quick_dir, quick=True).read_text() == text
    # A real summary ignores the quick rows.
    assert "No results yet" in report.summarise(quick_dir).read_text()


def _write_rows(path, rows):
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        for method, function, config, seed, mse, nnz in rows:
            writer.writerow({
                "method": method, "function": function, "config": config, "seed": seed, "test_mse": mse,
                "n_nonzero": nnz, "architecture": "{}", "fit_seconds": 1.5, "device": "cpu",
            })


def test_best_model_rule_on_hand_made_csv(tmp_path):
    _write_rows(tmp_path / "exp1.csv", [
        # Ackley: SWAT depth=2 is within 5 % of SWAT's lowest MSE and sparser than depth=1.
        ("swat", "Ackley", "depth=1", 0, 0.100, 30),
        ("swat", "Ackley", "depth=2", 0, 0.104, 12),
        ("swat", "Ackley", "depth=3", 0, 0.200, 5),
        # DARTS: depth=1 is the mean of two seeds (0.09, 0.10 -> 0.095; 40, 44 -> 42).
        ("darts_admm", "Ackley", "depth=1", 0, 0.090, 40),
        ("darts_admm", "Ackley", "depth=1", 1, 0.100, 44),
        ("darts_admm", "Ackley", "depth=2", 0, 0.098, 50),
        # Zakharov (F54, tuning set): SWAT both sparser and more accurate.
        ("swat", "Zakharov", "depth=1", 0, 0.010, 10),
        ("darts_admm", "Zakharov", "depth=1", 0, 0.020, 20),
        # Adjiman: DARTS only, so not counted (incomplete).
        ("darts_admm", "Adjiman", "depth=1", 0, 0.5, 20),
    ])
    rows = read_results(tmp_path / "exp1.csv")
    best = best_models(rows)
    assert best["Ackley", "swat"]["config"] == "depth=2"
    assert best["Ackley", "darts_admm"]["config"] == "depth=1"  # lowest MSE and sparser than depth=2
    assert best["Ackley", "darts_admm"]["n_nonzero"] == 42 and best["Ackley", "darts_admm"]["n_seeds"] == 2
    assert ("Adjiman", "swat") not in best

    argv = ["--summary-only", "--experiments", "exp1", "--output-dir", str(tmp_path)]
    assert cli.main(argv) == 0
    text = (tmp_path / "summary.md").read_text()
    evaluation, tuning = text.split("### Evaluation functions")[1].split("### Tuning functions")
    # Ackley: 12 < 42 non-zeros, but 0.104 > 1.05 * 0.095; Adjiman has no SWAT row.
    assert "Functions with results for every method: 1." in evaluation
    assert "SWAT-NN is sparser than DARTS + ADMM on 1 of 1 (0 at a test MSE within 5% of its)" in evaluation
    assert "within 5% of the better of the two on 0; it beats it on 0 and is beaten by it on 1" in evaluation
    assert "within 5% of the best method's on 0 of 1." in evaluation
    assert "1.040e-01 / 12 (depth=2)" in evaluation and "9.500e-02 / 42 (depth=1)" in evaluation
    assert "| 5 | Adjiman | - |" in evaluation
    assert "SWAT-NN is sparser than DARTS + ADMM on 1 of 1 (1 at a test MSE within 5% of its)" in tuning
    assert "within 5% of the best method's on 1 of 1." in tuning and "Zakharov" not in evaluation
    assert _is_png(tmp_path / "exp1_fig4_scatter.png") and _is_png(tmp_path / "exp1_fig5_best.png")


def test_cli_run_records_command_versions_and_hardware(tmp_path):
    import torch

    import sk_swat

    argv = ["--experiments", "exp1", "--functions", "Sphere", "--depths", "1", "--methods", "swat",
            "--quick", "--quiet", "--device", "cpu", "--output-dir", str(tmp_path)]
    assert cli.main(argv) == 0
    assert cli.main(argv + ["--summary-only"]) == 0  # only a run that may add rows is recorded
    runs = _rows(tmp_path / "runs.csv")
    assert len(runs) == 1
    assert runs[0]["command"] == "python -m benchmarks.cornn " + " ".join(argv)
    assert runs[0]["sk_swat"] == sk_swat.__version__ and runs[0]["torch"] == torch.__version__
    assert int(runs[0]["n_cpus"]) >= 1 and runs[0]["cpu"]
    bundled = Path(sk_swat.autoencoder.loading.BUNDLED_DIR, "model.safetensors").read_bytes()
    assert runs[0]["autoencoder"] == hashlib.sha256(bundled).hexdigest()[:12]
    head = subprocess.run(["git", "-C", str(Path(sk_swat.__file__).parent), "rev-parse", "--short=12", "HEAD"],
                          capture_output=True, text=True)
    assert runs[0]["commit"].startswith(head.stdout.strip() if head.returncode == 0 else "unknown")
    summary = (tmp_path / "summary-quick.md").read_text()
    assert "## Runs" in summary and f"`{runs[0]['command']}`" in summary


def test_runs_file_of_an_earlier_version_gets_the_new_columns(tmp_path):
    old_fields = [f for f in PROVENANCE_FIELDS if f not in ("autoencoder", "commit")]
    (tmp_path / "runs.csv").write_text(",".join(old_fields) + "\n" + ",".join(f"old {f}" for f in old_fields) + "\n")
    record_run(tmp_path, "python -m benchmarks.cornn --experiments exp2")
    old, new = read_runs(tmp_path)
    assert tuple(old) == tuple(new) == PROVENANCE_FIELDS
    assert old["command"] == "old command" and old["autoencoder"] == old["commit"] == "unrecorded"
    assert new["command"] == "python -m benchmarks.cornn --experiments exp2" and len(new["autoencoder"]) == 12


def test_swat_vs_dense_copies_the_dense_fits_of_exp2_and_reports_the_target(tmp_path, count_fits):
    run_experiment("exp2", functions=["Sphere"], methods=["dense"], output_dir=tmp_path, **QUICK)
    assert len(count_fits) == 3
    run_experiment("swat_vs_dense", functions=["Sphere"], output_dir=tmp_path, **QUICK)
    # The dense MLPs are exp2's (same estimators): copied; SWATRegressor() and its three variants are fitted.
    assert sorted(task[0].method for task in count_fits[3:]) == [
        "init_encode", "no_refine", "no_refine_restarts", "swat"
    ]
    assert all(task[0].estimator.depths == (1, 2, 3, 4) for task in count_fits[3:])
    dense = {r["config"]: r for r in _rows(tmp_path / "exp2-quick.csv")}
    copied = [r for r in _rows(tmp_path / "swat_vs_dense-quick.csv") if r["method"] == "dense"]
    assert copied == [dense[r["config"]] for r in copied] and len(copied) == 3
    text = report.summarise(tmp_path, experiments=["swat_vs_dense"], quick=True).read_text()
    assert "### Target" in text and "Target met on " in text and " of 1 functions." in text
    assert "| 47 | Sphere |" in text.split("### Target")[1]


def test_modules_import_one_way():
    # Each module of the harness imports only modules above it in this order (no cycle), and the
    # package never imports the harness.
    import ast

    order = ["experiments", "results", "provenance", "runner", "selection", "figures", "report", "compare", "cli"]
    folder = Path(runner.__file__).parent
    for i, name in enumerate(order):
        tree = ast.parse((folder / f"{name}.py").read_text())
        imported = {
            node.module.rsplit(".", 1)[-1]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("benchmarks.cornn.")
        }
        assert imported <= set(order[:i]), (name, imported - set(order[:i]))
    import sk_swat

    for path in Path(sk_swat.__file__).parent.rglob("*.py"):
        nodes = list(ast.walk(ast.parse(path.read_text())))
        top = {(n.module or "").split(".")[0] for n in nodes if isinstance(n, ast.ImportFrom)}
        top |= {a.name.split(".")[0] for n in nodes if isinstance(n, ast.Import) for a in n.names}
        assert "benchmarks" not in top, path
