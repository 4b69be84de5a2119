"""The autoencoder studies (benchmarks/autoencoder_studies.py) in quick mode: they run, write, resume."""

import csv

import pytest

from benchmarks import autoencoder_studies as studies


def _rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("study", ["cnn_vs_gpt", "losses", "embedding_size"])
def test_quick_study_writes_its_files_and_resumes_without_refitting(study, tmp_path):
    work, out = tmp_path / "work", tmp_path / "out"
    args = ["--study", study, "--quick", "--work-dir", str(work), "--output-dir", str(out)]
    spec = studies.get_study(study, quick=True)
    searches = spec.search
    n_fits = len(spec.autoencoders) * 2 * 2 if searches else 0  # 2 functions x depths 1, 2
    assert studies.main(args) == n_fits

    stem = f"{study}-quick"
    written = {p.name for p in out.iterdir()}
    assert {f"{stem}.md", f"{stem}.png", f"{stem}_fidelity.csv", "runs.csv"} <= written
    assert (f"{stem}.csv" in written) == searches
    for ae in spec.autoencoders:
        assert (work / ae.name / "checkpoint.pt").exists()
    fidelity = _rows(out / f"{stem}_fidelity.csv")
    assert {r["autoencoder"] for r in fidelity} == {ae.name for ae in spec.autoencoders}
    assert all(r["mlps_seen"] == "256" for r in fidelity)
    report = (out / f"{stem}.md").read_text()
    assert "Quick run" in report and "Median percentage error" in report
    if searches:
        rows = _rows(out / f"{stem}.csv")
        assert len(rows) == n_fits
        assert {r["function"] for r in rows} == {"Sphere", "Himmelblau"}
        assert "minimum test MSE lower than or equal to" in report
    else:
        assert "input depth x decoder" in report

    before = {name: (out / name).read_bytes() for name in written if name.endswith(".csv") and name != "runs.csv"}
    checkpoints = {ae.name: (work / ae.name / "checkpoint.pt").read_bytes() for ae in spec.autoencoders}
    assert studies.main(args) == 0  # nothing is pretrained, measured or fitted again
    assert {name: (out / name).read_bytes() for name in before} == before
    assert {ae.name: (work / ae.name / "checkpoint.pt").read_bytes() for ae in spec.autoencoders} == checkpoints
    assert len(_rows(out / "runs.csv")) == 2

    # As committed: model/ (with its card), log.csv and settings.json, no checkpoint. Used as it is.
    weights = {}
    for ae in spec.autoencoders:
        (work / ae.name / "checkpoint.pt").unlink()
        assert "benchmarks.autoencoder_studies --study" in (work / ae.name / "model" / "README.md").read_text()
        weights[ae.name] = (work / ae.name / "model" / "model.safetensors").read_bytes()
    assert studies.main(args) == 0
    assert {name: (out / name).read_bytes() for name in before} == before
    assert all(not (work / ae.name / "checkpoint.pt").exists() for ae in spec.autoencoders)
    assert {ae.name: (work / ae.name / "model" / "model.safetensors").read_bytes() for ae in spec.autoencoders} == weights


def test_studies_train_the_papers_families():
    from sk_swat.autoencoder.pretraining import PretrainSettings

    basic = {ae.name: ae for ae in studies.get_study("cnn_vs_gpt").autoencoders}
    assert {ae.config["model_type"] for ae in basic.values()} == {"swat_autoencoder", "swat_cnn_autoencoder"}
    for ae in basic.values():
        options = ae.pretrain_settings(1000).mlp_options()
        assert options["biases"] is False and options["activations"] == ("sigmoid",)
        assert options["keep_probability"] == 1.0 and options["n_neurons"] is None
    losses = studies.get_study("losses").autoencoders
    assert [(ae.pretrain_settings(10).loss, ae.pretrain_settings(10).p) for ae in losses] == [
        ("min", PretrainSettings.p), ("pnorm", 2.0), ("pnorm", -2.0)
    ]
    assert losses[0] == basic["cnn_basic"]  # the min-loss CNN is trained once for both studies
    sizes = studies.get_study("embedding_size").autoencoders
    assert [ae.pretrain_settings(10).n_neurons for ae in sizes] == [5, 5, 5]
    w = studies.WIDTH
    assert [ae.config.get("hidden_size") or ae.config.get("latent_size") for ae in sizes] == [w, w // 3, 2 * w // 3]
    with pytest.raises(ValueError, match="Unknown study"):
        studies.get_study("nope")


def test_a_study_runs_only_the_autoencoders_named(tmp_path):
    work, out = tmp_path / "work", tmp_path / "out"
    args = ["--study", "cnn_vs_gpt", "--quick", "--work-dir", str(work), "--output-dir", str(out),
            "--autoencoders", "gpt_basic"]
    assert studies.main(args) == 2 * 2
    assert [p.name for p in work.iterdir() if p.is_dir()] == ["gpt_basic-quick"]
    assert {r["method"] for r in _rows(out / "cnn_vs_gpt-quick.csv")} == {"gpt_basic-quick"}
    with pytest.raises(ValueError, match="has no autoencoder cnn; it has gpt_basic, cnn_basic"):
        studies.main([*args[:-1], "cnn"])


def test_report_only_fits_nothing_and_reports_the_functions_every_model_has_done(tmp_path):
    work, out = tmp_path / "work", tmp_path / "out"
    base = ["--study", "cnn_vs_gpt", "--quick", "--work-dir", str(work), "--output-dir", str(out)]
    assert studies.main([*base, "--functions", "Sphere"]) == 2 * 2
    assert studies.main([*base, "--autoencoders", "gpt_basic", "--functions", "Himmelblau"]) == 2
    rows = _rows(out / "cnn_vs_gpt-quick.csv")
    runs = _rows(out / "runs.csv")
    assert studies.main([*base, "--report-only"]) == 0
    assert _rows(out / "cnn_vs_gpt-quick.csv") == rows and _rows(out / "runs.csv") == runs
    report = (out / "cnn_vs_gpt-quick.md").read_text()
    assert "Sphere" in report and "Himmelblau" not in report  # the CNN has not searched Himmelblau
    assert "this report: `python -m benchmarks.autoencoder_studies" in report
