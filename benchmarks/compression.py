"""SWAT-NN's compression proof of concept (Section V-F, Fig. 15): a 9-hidden-layer MLP in 5.

A leaky-ReLU MLP of 9 hidden layers of 7 neurons without biases (2 inputs, 1 output; torch's default
initialisation, ``torch.manual_seed(--seed)``) is cut at its 5th hidden layer into two parts of 4
hidden layers, 2 -> 7 and 7 -> 1, and :func:`sk_swat.compress` searches a 2-hidden-layer replacement
of each, so that the compressed network has 2 + 1 + 2 = 5 hidden layers. The figure shows, over a
grid of the input square, the original's and the compressed network's output and three neurons of
the cut layer; the relative functional error is measured on the grid. Beside it, on the same
inputs: the same compression without latent steps (``max_iter=0``: the starting networks hardened,
refined and pruned as the defaults are), and the practitioner's alternative, a 5-hidden-layer
network of 7 leaky-ReLU or tanh neurons fitted to the original's (standardised) output and pruned
(:class:`~sk_swat.baselines.PrunedMLPRegressor`).

    python -m benchmarks.compression [--autoencoder DIR] [--seed 0] [--output-dir docs/benchmarks]

The first part has 7 outputs: the autoencoder must embed them, as the bundled one (None) does.
Writes ``compression.png`` and ``compression.md`` into ``--output-dir``.
"""

import argparse
import shlex
import sys
from pathlib import Path

import numpy as np
import torch
from sklearn.utils import check_random_state

import sk_swat
from benchmarks.cornn.provenance import cpu_model
from sk_swat import compress
from sk_swat.activations import LEAKY_RELU_SLOPE
from sk_swat.baselines import PrunedMLPRegressor
from sk_swat.compression import relative_functional_error
from sk_swat.mlp import SparseMLP
from sk_swat.utils import atomic_write

DEFAULT_OUTPUT_DIR = Path("docs") / "benchmarks"
N_HIDDEN, WIDTH, CUT, GRID, N_SAMPLES = 9, 7, 5, 100, 4000
#: Hidden layers of each part's replacement; the cut layer is then hidden layer PART_DEPTH + 1 of the result.
PART_DEPTH = 2


def deep_network(seed):
    """The 9-hidden-layer leaky-ReLU ``torch.nn.Sequential`` of the study (no biases)."""
    torch.manual_seed(seed)
    sizes = [2] + [WIDTH] * N_HIDDEN + [1]
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(n_in, n_out, bias=False), torch.nn.LeakyReLU(LEAKY_RELU_SLOPE)]
    return torch.nn.Sequential(*layers[:-1]).double()


def _layer(mlp, X, layer):
    """Activations of hidden layer ``layer`` (1 = the first) of ``mlp`` on ``X``."""
    from sk_swat.compression import _activate, _pre_activations

    return _activate(_pre_activations(mlp, X)[layer - 1], mlp.activations[layer - 1])


def grid_inputs():
    """The ``GRID`` x ``GRID`` grid of [-1, 1]^2 on which the networks are compared."""
    axis = np.linspace(-1, 1, GRID)
    return np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)


def run(original, autoencoder=None, seed=0, n_samples=N_SAMPLES, **params):
    """``original`` compressed as the study does; ``params`` go to every part's ``SWATRegressor``."""
    return compress(original, cuts=[CUT], n_samples=n_samples, random_state=seed, autoencoder=autoencoder,
                    part_params=[{"depths": (PART_DEPTH,)}, {"depths": (PART_DEPTH,)}], **params)


def pruned_baseline(original, activation, seed=0, n_samples=N_SAMPLES):
    """The practitioner's alternative: a pruned 5-hidden-layer MLP fitted to ``original``'s output."""
    # The inputs compress draws for the same seed.
    X = check_random_state(seed).uniform(-1, 1, (n_samples, original.n_inputs))
    y = original.predict(X)
    # Standardised first, as a practitioner would: the original's outputs are of order 1e-6, and on that
    # scale the training stalls. The scaling is folded back into the output layer.
    mean, std = y.mean(), y.std()
    model = PrunedMLPRegressor(hidden_layer_sizes=(WIDTH,) * (2 * PART_DEPTH + 1), activation=activation,
                               random_state=seed, device="cpu")
    mlp = model.fit(X, (y - mean) / std).mlp_
    return SparseMLP(mlp.weights[:-1] + [mlp.weights[-1] * std], mlp.biases[:-1] + [mlp.biases[-1] * std + mean],
                     mlp.activations)


def _plot(original, compressed, grid, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cut_original, cut_compressed = _layer(original, grid, CUT), _layer(compressed, grid, PART_DEPTH + 1)
    panels = [("output", original.predict(grid), compressed.predict(grid))]
    panels += [(f"cut layer, neuron {k + 1}", cut_original[:, k], cut_compressed[:, k]) for k in range(3)]
    fig, axes = plt.subplots(2, len(panels), figsize=(3.0 * len(panels), 5.6), constrained_layout=True)
    for j, (title, f, f_hat) in enumerate(panels):
        low, high = min(f.min(), f_hat.min()), max(f.max(), f_hat.max())
        for i, (values, who) in enumerate(((f, "original, 9 hidden layers"), (f_hat, "compressed, 5"))):
            image = axes[i, j].imshow(values.reshape(GRID, GRID), origin="lower", extent=(-1, 1, -1, 1),
                                      vmin=low, vmax=high, cmap="viridis")
            axes[i, j].set_title(f"{title}\n{who}", fontsize="small")
            axes[i, j].set_xticks([]), axes[i, j].set_yticks([])
        fig.colorbar(image, ax=axes[:, j], shrink=0.6)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    """Run the study and write its figure and report."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compression", description=__doc__.split("\n\n")[0])
    parser.add_argument("--autoencoder", default=None, help="an autoencoder of 7 outputs (default: the bundled one)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output-dir", default=str(DEFAULT_OUTPUT_DIR))
    args = parser.parse_args(argv)
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    original = SparseMLP.from_torch(deep_network(args.seed))
    grid = grid_inputs()
    networks = {
        "compressed: `sk_swat.compress`": run(original, args.autoencoder, args.seed),
        "ablation: no latent steps (`max_iter=0`)": run(original, args.autoencoder, args.seed, max_iter=0),
        "alternative: pruned 5-layer leaky-ReLU MLP fitted to the output": pruned_baseline(
            original, "leaky_relu", args.seed),
        "alternative: pruned 5-layer tanh MLP fitted to the output": pruned_baseline(original, "tanh", args.seed),
    }
    compressed = next(iter(networks.values()))
    cut_error = relative_functional_error(_layer(original, grid, CUT), _layer(compressed, grid, PART_DEPTH + 1))
    _plot(original, compressed, grid, out / "compression.png")
    command = shlex.join(["python", "-m", "benchmarks.compression", *argv])
    rows = [f"| original | {original.depth} | {original.architecture['hidden_layer_sizes']} | {original.n_nonzero} | - |"]
    for name, mlp in networks.items():
        error = relative_functional_error(original.predict(grid), mlp.predict(grid))
        rows.append(f"| {name} | {mlp.depth} | {mlp.architecture['hidden_layer_sizes']} | {mlp.n_nonzero} | "
                    f"{error:.3g} |")
    report = (
        "# Compressing a 9-hidden-layer MLP into 5 (SWAT-NN, Section V-F, Fig. 15)\n\n"
        f"Written by `{command}` on {cpu_model()}, sk-swat {sk_swat.__version__}.\n\n"
        "| network | hidden layers | hidden layer sizes | non-zero parameters | relative functional error |\n"
        "|---|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
        f"Relative functional error sum((f - f_hat)^2) / sum((f - mean f)^2) on a {GRID} x {GRID} grid of "
        f"[-1, 1]^2; of the cut layer's activations (compressed): {cut_error:.3g}.\n\n"
        "![original and compressed](compression.png)\n"
    )
    atomic_write(out / "compression.md", report)
    print(report)
    return networks


if __name__ == "__main__":
    main()
