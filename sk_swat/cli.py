"""The ``sk-swat`` command: ``demo``, ``pretrain``, ``evaluate-autoencoder``."""

import argparse
import json
import sys


_SETTINGS_OPTIONS = ("n_mlps", "batch_size", "learning_rate", "n_points", "loss", "p", "functional_weight",
                     "reconstruction_weight", "seed", "checkpoint_every", "biases", "activations", "keep_probability",
                     "n_neurons", "max_outputs")
#: Model-size options of each --architecture: option -> configuration key.
_CONFIG_OPTIONS = {
    "gpt": {"hidden_size": "hidden_size", "encoder_layers": "n_encoder_layers",
            "decoder_layers": "n_decoder_layers", "heads": "n_head", "separate_decoders": "shared_decoder_trunk"},
    "cnn": {"channels": "channels", "latent_size": "latent_size", "conv_layers": "n_conv_layers",
            "fc_layers": "n_fc_layers", "fc_size": "fc_size"},
}
_MODEL_TYPES = {"gpt": "swat_autoencoder", "cnn": "swat_cnn_autoencoder"}


def _pretrain(args):
    import torch

    from .autoencoder.pretraining import pretrain

    if args.threads:
        torch.set_num_threads(args.threads)
    # Only the options given: the others are the defaults of a new run, or those recorded in the
    # checkpoint of a resumed one.
    settings = {name: getattr(args, name) for name in _SETTINGS_OPTIONS if getattr(args, name) is not None}
    if "activations" in settings:
        settings["activations"] = tuple(settings["activations"])
    architecture = args.architecture or "gpt"
    for other, options in _CONFIG_OPTIONS.items():
        given = [name for name in options if getattr(args, name) is not None]
        if other != architecture and given:
            raise ValueError(
                f"--{given[0].replace('_', '-')} is an option of --architecture {other}, not of {architecture}."
                + ("" if args.architecture else f" Pass --architecture {other} for that model.")
            )
    config = {key: getattr(args, name) for name, key in _CONFIG_OPTIONS[architecture].items()
              if getattr(args, name) is not None}
    if "shared_decoder_trunk" in config:  # given as --separate-decoders
        config["shared_decoder_trunk"] = False
    if args.architecture:  # left out on --resume: the checkpoint's
        config["model_type"] = _MODEL_TYPES[args.architecture]
    result = pretrain(
        args.output_dir, settings, config, resume=args.resume, allow_changes=args.allow_change or (),
        init_from=_bundled_if_named(args.init_from), device=args.device, verbose=1,
    )
    print(json.dumps(result, indent=2))


def _evaluate(args):
    from .autoencoder.evaluation import write_fidelity_report

    paths = write_fidelity_report(
        args.output_dir,
        autoencoder=args.autoencoder,
        revision=args.revision,
        n_mlps=args.n_mlps,
        n_inputs=args.n_inputs,
        n_outputs=args.n_outputs,
        seed=args.seed,
        device=args.device,
    )
    print(paths["markdown"].read_text())
    for key, path in paths.items():
        print(f"{key}: {path}")


def _demo(args):
    from .demo import run_demo

    run_demo(function=args.function, output=args.output, device=args.device, random_state=args.random_state,
             verbose=int(args.verbose), n_threads=args.threads)


def _bundled_if_named(init_from):
    """``--init-from``: the bundled autoencoder's directory for "bundled", else the directory given."""
    if init_from == "bundled":
        from .autoencoder.loading import BUNDLED_DIR

        return BUNDLED_DIR
    return init_from


def build_parser():
    """Return the ``argparse`` parser of the ``sk-swat`` command.

    Its sub-commands are ``demo``, ``pretrain`` and ``evaluate-autoencoder``. The CORNN benchmark
    harness is not part of the package: ``python -m benchmarks.cornn`` in the repository.

    Returns
    -------
    argparse.ArgumentParser
        The parser; the namespace it returns has the sub-command's function as ``func``.

    Examples
    --------
    >>> from sk_swat.cli import build_parser
    >>> args = build_parser().parse_args(["demo", "--function", "Ackley", "--random-state", "3"])
    >>> args.command, args.function, args.random_state, args.output
    ('demo', 'Ackley', 3, 'swat_demo.png')
    """
    parser = argparse.ArgumentParser(prog="sk-swat", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="fit SWATRegressor on a 2-D CORNN function and draw the network")
    demo.add_argument("--function", default="Himmelblau", help="CORNN function name or number")
    demo.add_argument("--output", default="swat_demo.png", help="PNG of the found network")
    demo.add_argument("--device", default="auto")
    demo.add_argument("--random-state", type=int, default=0)
    demo.add_argument("--verbose", action="store_true", help="show the progress of the search and refinement")
    demo.add_argument("--threads", type=int, default=1, help="torch threads of the fit (default: 1, the fastest)")
    demo.set_defaults(func=_demo)

    pre = sub.add_parser("pretrain", help="pretrain the MLP autoencoder on random MLPs")
    pre.add_argument("output_dir")
    pre.add_argument("--n-mlps", type=int, help="total random MLPs to see (default 1000000)")
    pre.add_argument("--batch-size", type=int, help="default 128")
    pre.add_argument("--learning-rate", type=float, help="default 1e-3")
    pre.add_argument("--n-points", type=int, help="default 256")
    pre.add_argument("--loss", choices=("min", "pnorm"), help="default min")
    pre.add_argument("--p", type=float, help="exponent of the p-norm loss (default 2)")
    pre.add_argument("--functional-weight", type=float, help="default 1")
    pre.add_argument("--reconstruction-weight", type=float, help="default 1")
    pre.add_argument("--seed", type=int, help="default 0")
    pre.add_argument("--checkpoint-every", type=int, help="default 500")
    pre.add_argument("--no-biases", dest="biases", action="store_const", const=False,
                     help="random MLPs without bias terms (the papers' basic setting)")
    pre.add_argument("--activations", nargs="+", choices=("sigmoid", "tanh", "leaky_relu"),
                     help="activations of the random MLPs (default all three)")
    pre.add_argument("--keep-probability", type=float,
                     help="probability that a hidden neuron of a random MLP is kept (default 0.5)")
    pre.add_argument("--n-neurons", type=int, help="keep exactly this many neurons per hidden layer (1-7)")
    pre.add_argument("--max-outputs", type=int,
                     help="most outputs of the random MLPs (1-7, default 1); a new model's token layout holds as many")
    pre.add_argument("--init-from", metavar="DIR",
                     help="start a new run from the weights of the autoencoder saved in DIR, or of the bundled one "
                     "with 'bundled' (its sizes; columns of the token layout moved to their places in a wider one); "
                     "ignored on --resume")
    pre.add_argument("--architecture", choices=("gpt", "cnn"),
                     help="gpt: GPT-2 stacks (SWAT-NN, the default); cnn: the CNN of the 2024 paper")
    pre.add_argument("--hidden-size", type=int, help="gpt: default 128")
    pre.add_argument("--encoder-layers", type=int, help="gpt: default 2")
    pre.add_argument("--decoder-layers", type=int, help="gpt: default 2")
    pre.add_argument("--heads", type=int, help="gpt: default 4")
    pre.add_argument("--separate-decoders", action="store_const", const=True,
                     help="gpt: one GPT-2 decoder per depth")
    pre.add_argument("--channels", type=int, help="cnn: channels of every conv layer (default 8)")
    pre.add_argument("--latent-size", type=int, help="cnn: default 128")
    pre.add_argument("--conv-layers", type=int, help="cnn: conv layers per encoder and decoder (default 7)")
    pre.add_argument("--fc-layers", type=int, help="cnn: FC layers on each side of the latent (default 4)")
    pre.add_argument("--fc-size", type=int, help="cnn: width of the FC layers (default 128)")
    pre.add_argument(
        "--resume", action="store_true",
        help="continue from OUTPUT_DIR/checkpoint.pt; options left out keep their recorded values, and "
        "options that would change the run are refused",
    )
    pre.add_argument(
        "--allow-change", action="append", choices=("learning_rate",),
        help="on --resume, allow this setting to differ from the recorded one (recorded in log.csv)",
    )
    pre.add_argument("--device", default=None)
    pre.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    pre.set_defaults(func=_pretrain)

    ev = sub.add_parser("evaluate-autoencoder", help="fidelity report of an autoencoder on held-out random MLPs")
    ev.add_argument("output_dir")
    ev.add_argument("--autoencoder", default=None, help="directory or Hub repo id (default: the bundled one)")
    ev.add_argument("--revision", default=None)
    ev.add_argument("--n-mlps", type=int, default=1000, help="held-out MLPs per depth")
    ev.add_argument("--n-inputs", type=int, default=2)
    ev.add_argument("--n-outputs", type=int, default=1, help="outputs of the held-out MLPs")
    ev.add_argument("--seed", type=int, default=12345)
    ev.add_argument("--device", default=None)
    ev.set_defaults(func=_evaluate)
    return parser


def main(argv=None):
    """Run the ``sk-swat`` command.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments without the program name; ``sys.argv[1:]`` if None.

    Returns
    -------
    int
        Exit status: 0 on success, 2 when the command fails on bad input (the
        error is printed to stderr).

    Examples
    --------
    A bad function name is reported on stderr, with exit status 2:

    >>> from sk_swat.cli import main
    >>> main(["demo", "--function", "no-such-function"])
    2
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"sk-swat {args.command}: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
