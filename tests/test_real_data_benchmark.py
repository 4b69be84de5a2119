"""The real-data benchmark script (benchmarks/real_data.py) in quick mode on a few rows: it runs, writes, resumes."""

import numpy as np

from benchmarks import real_data


def test_quick_run_writes_csv_and_markdown_and_resumes(tmp_path):
    args = ["--quick", "--output-dir", str(tmp_path), "--datasets", "diabetes", "friedman2",
            "--n-splits", "2", "--n-repeats", "1", "--max-rows", "40"]
    single_target = [m for m in real_data.METHODS if real_data.applies(m, multi_target=False)]
    n_fits = 2 * 2 * len(single_target)
    assert real_data.main(args) == n_fits

    rows = real_data.read_rows(tmp_path / "real_data.csv")
    assert len(rows) == n_fits and set(rows[0]) == set(real_data.FIELDS)
    assert {(r["dataset"], r["method"]) for r in rows} == {
        (d, m) for d in ("diabetes", "friedman2") for m in single_target
    }
    assert all(r["mode"] == "quick" and r["n_train"] == "20" and r["cpu"] for r in rows)
    assert np.isfinite([float(r["r2"]) for r in rows]).all()
    assert all(float(r["fit_seconds"]) >= 0 and float(r["fit_cpu_seconds"]) >= 0 for r in rows)
    swat = [r for r in rows if r["method"] == "swat"]
    assert all(int(r["n_params"]) > 0 and r["architecture"].startswith("[") for r in swat)

    report = (tmp_path / "real_data.md").read_text()
    swat_lines = [line for line in report.splitlines() if line.startswith("| ") and "SWATRegressor()" in line]
    assert len(swat_lines) == 2
    assert "CPU: " in report and "python -m benchmarks.real_data --quick" in report

    # a second run finds every fit in the CSV and runs none
    assert real_data.main(args) == 0
    assert real_data.read_rows(tmp_path / "real_data.csv") == rows


def test_rows_written_by_another_run_of_the_same_file_are_kept(tmp_path):
    # Two runs side by side (say, one data set each) each add their rows to the same CSV.
    path = tmp_path / "real_data.csv"

    def row(dataset, fold):
        return {field: "" for field in real_data.FIELDS} | {
            "dataset": dataset, "method": "ridge", "mode": "full", "repeat": "0", "fold": str(fold), "r2": "0.5"}

    real_data.add_row(path, row("diabetes", 0))
    real_data.add_row(path, row("friedman1", 0))  # the other run
    rows = real_data.add_row(path, row("diabetes", 1))
    assert [(r["dataset"], r["fold"]) for r in rows] == [("diabetes", "0"), ("friedman1", "0"), ("diabetes", "1")]
    assert real_data.read_rows(path) == rows
    # a refit of the same fit replaces its row
    assert len(real_data.add_row(path, row("diabetes", 1) | {"r2": "0.6"})) == 3


def test_multi_target_data_run_the_methods_of_several_targets(tmp_path):
    args = ["--quick", "--output-dir", str(tmp_path), "--datasets", "shared_3", "--methods", "swat_per_target",
            "ridge", "hgb", "--n-splits", "2", "--n-repeats", "1", "--max-rows", "40"]
    assert real_data.main(args) == 2 * 2  # no HistGradientBoostingRegressor: it fits one target
    rows = real_data.read_rows(tmp_path / "real_data.csv")
    per_target = [r for r in rows if r["method"] == "swat_per_target"]
    assert len(per_target) == 2 and all(r["architecture"].count("[") == 3 for r in per_target)
    X, Y = real_data.DATASETS["shared_3"][1]()
    assert X.shape == (1000, 4) and Y.shape == (1000, 3)
