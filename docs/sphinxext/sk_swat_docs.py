"""Build-time helpers of the sk-swat documentation, used by ``docs/conf.py``.

- :class:`ExampleOrder`: the order of the gallery examples.
- :func:`write_generated_files`: writes the include files under ``docs/_generated/``
  (the table of the 54 CORNN functions, and the benchmark results when there are any),
  so that ``benchmarks.rst`` builds whether or not ``python -m benchmarks.cornn`` has been run.
"""

import csv
import functools
import re
import shutil
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent
ROOT = DOCS.parent
GENERATED = DOCS / "_generated"

#: Gallery order: from a first fit to pretraining an autoencoder.
EXAMPLES = (
    "plot_quick_start.py",
    "plot_grid_search.py",
    "plot_diabetes_pipeline.py",
    "plot_own_data.py",
    "plot_export_torch.py",
    "plot_gpu.py",
    "plot_pretrain_autoencoder.py",
)

#: Objects whose docstrings numpydoc does not validate (regular expressions of their full names).
VALIDATION_EXCLUDE = set()


class ExampleOrder:
    """``within_subsection_order`` of sphinx-gallery: the order of :data:`EXAMPLES`, then by name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        name = Path(filename).name
        return (EXAMPLES.index(name) if name in EXAMPLES else len(EXAMPLES), name)

    def __repr__(self):
        return "ExampleOrder"


@functools.lru_cache(maxsize=None)
def _public_aliases():
    """``{"sk_swat.datasets.load_cornn": "sk_swat.load_cornn", ...}`` for the top-level names."""
    import importlib

    import sk_swat

    aliases = {}
    for name, module in sk_swat._PUBLIC.items():
        obj = getattr(importlib.import_module(module), name)
        for path in {module, getattr(obj, "__module__", module), module.rsplit(".", 1)[0]}:
            aliases[f"{path}.{name}"] = f"sk_swat.{name}"
    return aliases


def resolve_public_alias(app, env, node, contnode):
    """``missing-reference`` hook: resolve ``sk_swat.datasets.load_cornn`` (or ``load_cornn`` in
    that module) to ``sk_swat.load_cornn``, the name the API reference documents it under."""
    if node.get("refdomain") != "py":
        return None
    aliases = _public_aliases()
    target, module = node["reftarget"], node.get("py:module")
    for candidate in (target, f"{module}.{target}" if module else None):
        if candidate is None:
            continue
        alias = None
        for key, value in aliases.items():  # the name itself, or a member of it
            if candidate == key or candidate.startswith(key + "."):
                alias = value + candidate[len(key):]
                break
        if alias:
            domain = env.get_domain("py")
            return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"], alias, node, contnode)
    return None


def one_torch_thread():
    """Run the examples and figures with one torch thread (as the test suite does)."""
    import torch

    torch.set_num_threads(1)


# --------------------------------------------------------------------------------------------
# Generated include files
# --------------------------------------------------------------------------------------------


def _write(path, text):
    """Write ``text`` unless the file already holds it (so that Sphinx does not rebuild for nothing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _copy(src, dst):
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not dst.exists() or dst.read_bytes() != src.read_bytes():
        shutil.copyfile(src, dst)


def cornn_table():
    """The 54 CORNN functions as an rst list-table, then one ``autofunction`` entry each."""
    from sk_swat.datasets import cornn_function, cornn_names

    lines = [
        ".. list-table::",
        "   :header-rows: 1",
        "   :widths: 6 24 30 20 20",
        "",
        "   * - #",
        "     - name (for ``load_cornn``)",
        "     - function",
        "     - x domain",
        "     - y domain",
    ]
    specs = [cornn_function(name) for name in cornn_names()]
    for spec in specs:
        (x_lo, x_hi), (y_lo, y_hi) = spec.domain
        lines += [
            f"   * - {spec.number}",
            f"     - {spec.name}",
            f"     - :func:`~sk_swat.datasets.{spec.func.__name__}`",
            f"     - [{x_lo:g}, {x_hi:g}]",
            f"     - [{y_lo:g}, {y_hi:g}]",
        ]
    lines += ["", ".. currentmodule:: sk_swat.datasets", ""]
    for spec in specs:
        lines += [f".. autofunction:: {spec.func.__name__}", ""]
    return "\n".join(lines)


_LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")


def _markdown_for_docs(text, files, out_dir, keep_title=False):
    """Adapt a results Markdown file for inclusion in an rst page.

    The H1 title is dropped (the page has its own section title), or kept as an italic line with
    ``keep_title``; deeper headings move one level up so that they nest under the page's
    section; links to local files point to copies in ``out_dir`` (images) or become download
    links (other files).
    """
    lines = text.splitlines()
    if lines and lines[0].startswith("# "):
        lines = ([f"*{lines[0][2:].strip()}*"] if keep_title else []) + lines[1:]
    out = []
    for line in lines:
        m = re.match(r"^(#{2,6}) (.*)$", line)
        out.append(f"{m.group(1)[1:]} {m.group(2)}" if m else line)
    text = "\n".join(out).strip("\n") + "\n"
    rel = "/" + out_dir.relative_to(DOCS).as_posix()

    def link(match):
        bang, label, target = match.groups()
        src = files.get(target)
        if src is None:
            return match.group(0)  # a web link, or a file that is not there: leave it
        _copy(src, out_dir / src.name)
        if bang:
            return f"![{label}]({rel}/{src.name})"
        return f"{{download}}`{label.strip('`')} <{rel}/{src.name}>`"

    return _LINK.sub(link, text)


def benchmark_summary(bench_dir, out_dir):
    """Markdown of the CORNN benchmark results in ``bench_dir`` (``summary.md``, PNGs and
    ``reproduction.md``), or a note."""
    summary = bench_dir / "summary.md"
    files = {p.name: p for p in bench_dir.glob("*") if p.is_file()} if bench_dir.is_dir() else {}
    if not summary.is_file():
        return (
            "```{note}\n"
            f"There are no CORNN benchmark results yet (no `{_show(summary)}`). Run "
            "`python -m benchmarks.cornn --experiments exp1` (see above) and build the documentation again.\n"
            "```\n"
        )
    text = summary.read_text(encoding="utf-8")
    md = _markdown_for_docs(text, files, out_dir)
    # Figures in the folder that the summary does not show (quick smoke-test runs left out).
    shown = set(re.findall(r"\]\(([^)\s]+\.png)\)", text))
    extra = sorted(p for name, p in files.items() if name.endswith(".png") and name not in shown
                   and "-quick" not in name)
    if extra:
        md += "\n# Other figures\n\n"
        for p in extra:
            _copy(p, out_dir / p.name)
            md += f"![{p.stem}](/{(out_dir / p.name).relative_to(DOCS).as_posix()})\n\n*{p.name}*\n\n"
    reproduction = bench_dir / "reproduction.md"
    if reproduction.is_file():  # written by `python -m benchmarks.cornn --compare`, copied here
        text = reproduction.read_text(encoding="utf-8")
        md += "\n# Reproduction check\n\n" + _markdown_for_docs(text, files, out_dir)
    return md


def results_markdown(path, out_dir):
    """A Markdown results file of ``benchmarks/results/`` adapted for the page, or a note."""
    if not path.is_file():
        return f"```{{note}}\n`{_show(path)}` does not exist yet.\n```\n"
    files = {p.name: p for p in path.parent.glob("*") if p.is_file()}
    return _markdown_for_docs(path.read_text(encoding="utf-8"), files, out_dir, keep_title=True)


def csv_table(path):
    """An rst ``csv-table`` of ``path``, or a note."""
    if not path.is_file():
        return f".. note::\n\n   ``{_show(path)}`` does not exist yet.\n"
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        return f".. note::\n\n   ``{_show(path)}`` is empty.\n"

    def cell(value):
        return '"' + value.replace('"', '""') + '"'

    lines = [".. csv-table::", "   :header-rows: 1", ""]
    lines += ["   " + ", ".join(cell(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def figures_rst(folder, out_dir):
    """rst ``figure`` directives for the PNGs in ``folder`` (copied to ``out_dir``); empty if none."""
    pngs = sorted(folder.glob("*.png")) if folder.is_dir() else []
    lines = []
    for p in pngs:
        _copy(p, out_dir / p.name)
        lines += [f".. figure:: /{(out_dir / p.name).relative_to(DOCS).as_posix()}", "", f"   ``{p.name}``", ""]
    return "\n".join(lines) + "\n"


def _show(path):
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def model_card():
    """The bundled autoencoder's model card (README.md of its package folder, without its YAML header)."""
    import sk_swat

    folder = Path(sk_swat.__file__).parent / "autoencoder" / "pretrained"
    out = GENERATED / "autoencoder"
    _copy(folder / "smoothness.png", out / "smoothness.png")
    text = (folder / "README.md").read_text(encoding="utf-8")
    if text.startswith("---"):
        text = text.split("---", 2)[2]
    return _markdown_for_docs(text.lstrip("\n"), {}, out)


def write_generated_files(app):
    """``builder-inited`` hook: write every include file of ``docs/_generated/``."""
    _write(GENERATED / "cornn_functions.rst", cornn_table())
    _write(GENERATED / "model_card.md", model_card())

    bench_dir = Path(app.config.sk_swat_benchmarks_dir)
    if not bench_dir.is_absolute():
        bench_dir = DOCS / bench_dir
    out = GENERATED / "benchmarks"
    _write(GENERATED / "benchmarks_summary.md", benchmark_summary(bench_dir, out / "cornn"))

    results = ROOT / "benchmarks" / "results"
    _write(GENERATED / "swat_vs_dense.md", results_markdown(results / "swat_vs_dense.md", out / "results"))
    _write(GENERATED / "fit_time.rst", csv_table(results / "fit_time.csv"))
    _write(GENERATED / "fit_scaling.rst", csv_table(results / "fit_scaling.csv"))
    _write(GENERATED / "real_data.md", results_markdown(bench_dir / "real_data.md", out / "real_data"))
    for study in ("cnn_vs_gpt", "losses", "embedding_size"):
        _write(GENERATED / f"study_{study}.md",
               results_markdown(bench_dir / "autoencoder_studies" / f"{study}.md", out / "autoencoder_studies"))
    _write(GENERATED / "compression.md", results_markdown(bench_dir / "compression.md", out / "compression"))
    _write(GENERATED / "results_figures.rst", figures_rst(results, out / "results"))


def setup(app):
    """Register the config value ``sk_swat_benchmarks_dir`` (default ``benchmarks``, relative to docs/)."""
    app.add_config_value("sk_swat_benchmarks_dir", "benchmarks", "env")
    app.connect("builder-inited", write_generated_files)
    app.connect("missing-reference", resolve_public_alias)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
