"""``sk-swat demo``: fit on a 2-D CORNN function, report, and draw the network."""

import time

import numpy as np


def run_demo(function="Himmelblau", output="swat_demo.png", device="auto", random_state=0, **params):
    """Fit :class:`~sk_swat.SWATRegressor` with its defaults on one CORNN function.

    Prints the test MSE, ``n_nonzero_``, ``architecture_`` and the fit time,
    and writes a PNG of the found network (needs matplotlib).

    Parameters
    ----------
    function : str or int, default="Himmelblau"
        CORNN function name or number (see :func:`sk_swat.datasets.cornn_names`).
    output : str or path, default="swat_demo.png"
        PNG file of the found network; None to skip the picture.
    device : str, default="auto"
        Device of the search.
    random_state : int, default=0
        Seed of the fit.
    **params
        Other :class:`~sk_swat.SWATRegressor` parameters.

    Returns
    -------
    dict
        ``function``, ``test_mse``, ``n_nonzero``, ``architecture``,
        ``fit_seconds``, ``device`` and ``png`` (path or None).

    Examples
    --------
    A very short search (the defaults take minutes), its picture in a temporary directory:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from sk_swat.demo import run_demo
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     result = run_demo(
    ...         output=Path(tmp) / "network.png", device="cpu",
    ...         depths=(1,), n_restarts=1, max_iter=5, refine_iter=5,
    ...     )
    ...     Path(result["png"]).is_file()
    CORNN function      Himmelblau (3750 train / 1250 test rows, scaled to [-1, 1])
    test MSE            ...
    non-zero parameters ...
    architecture        {'n_layers': 1, ...}
    fit time            ... s on cpu
    network picture     .../network.png
    True
    """
    from . import SWATRegressor
    from .datasets import cornn_function, load_cornn

    name = cornn_function(function).name
    X_train, X_test, y_train, y_test = load_cornn(function)
    reg = SWATRegressor(device=device, random_state=random_state, **params)
    start = time.perf_counter()
    reg.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    result = {
        "function": name,
        "test_mse": float(np.mean((reg.predict(X_test) - y_test) ** 2)),
        "n_nonzero": reg.n_nonzero_,
        "architecture": reg.architecture_,
        "fit_seconds": seconds,
        "device": reg.device_,
        "png": None,
    }
    print(f"CORNN function      {name} (3750 train / 1250 test rows, scaled to [-1, 1])")
    baseline = float(np.mean((y_test - y_train.mean()) ** 2))
    print(f"test MSE            {result['test_mse']:.5f}  (predicting the training mean: {baseline:.5f})")
    print(f"non-zero parameters {result['n_nonzero']}")
    print(f"architecture        {result['architecture']}")
    print(f"fit time            {seconds:.1f} s on {reg.device_}")
    if output is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from .plotting import plot_architecture

        fig, ax = plt.subplots(figsize=(8, 5))
        plot_architecture(reg.mlp_, ax=ax, feature_names=["x", "y"])
        fig.savefig(output, dpi=120, bbox_inches="tight")
        plt.close(fig)
        result["png"] = str(output)
        print(f"network picture     {output}")
    return result
