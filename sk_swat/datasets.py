"""The CORNN regression benchmark: 54 two-dimensional test functions and their data sets.

CORNN ("Continuous Optimisation of Regression tasks using Neural Networks", K. M. Malan and
C. W. Cleghorn, PPSN 2022) turns 54 classic two-dimensional optimisation test functions into
regression tasks.  For each function, 5000 points are drawn i.i.d. uniformly from the function's
domain, the first 3750 form the training set and the last 1250 the test set.

This module regenerates those data sets bit-for-bit (inputs) from the published recipe; it does not
ship or read any data file.  The formulas are the ones of the CORNN *code*, which are what its
published data use; where they differ from the usual textbook form (or from the paper's table) the
function's docstring says so.

The public API:

- :func:`load_cornn` -- the train/test split of one task, scaled to ``[-1, 1]`` or raw.
- :func:`cornn_names` -- the 54 display names in CORNN numbering order (#1 .. #54).
- :func:`cornn_function` -- the :class:`CornnFunction` record (number, name, func, domain) of one
  task.
- the 54 functions themselves (:func:`ackley` ... :func:`zakharov`), plain numpy functions of
  ``(x, y)`` that broadcast like ufuncs.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = [
    "CornnFunction",
    "cornn_function",
    "cornn_names",
    "load_cornn",
    # the 54 functions, in CORNN order
    "ackley",
    "ackley_n2",
    "ackley_n3",
    "ackley_n4",
    "adjiman",
    "alpine_n1",
    "alpine_n2",
    "bartels_conn",
    "beale",
    "bird",
    "bohachevsky_n1",
    "bohachevsky_n2",
    "booth",
    "brent",
    "brown",
    "bukin_n6",
    "cross_in_tray",
    "deckkers_aarts",
    "drop_wave",
    "easom",
    "egg_crate",
    "egg_holder",
    "exponential",
    "goldstein_price",
    "griewank",
    "himmelblau",
    "holder_table",
    "keane",
    "leon",
    "levi_n13",
    "matyas",
    "mccormick",
    "michalewicz",
    "periodic",
    "qing",
    "rastrigin",
    "ridge",
    "rosenbrock",
    "salomon",
    "schaffer_n2",
    "schaffer_n3",
    "schwefel_2_20",
    "schwefel_2_22",
    "schwefel_2_23",
    "shubert_3",
    "shubert",
    "sphere",
    "styblinski_tang",
    "sum_squares",
    "three_hump_camel",
    "xin_she_yang_n2",
    "xin_she_yang_n3",
    "xin_she_yang_n4",
    "zakharov",
]

# The CORNN sampling recipe.
_SEED = 0
_N_SAMPLES = 5000
_N_TRAIN = 3750

_PI = np.pi


@dataclass(frozen=True)
class CornnFunction:
    """Metadata of one CORNN task.

    Parameters
    ----------
    number : int
        The CORNN number, 1..54 (the numbering of the CORNN paper's function table).
    name : str
        The display name, e.g. ``"Ackley N.2"`` (the name used by the CORNN code and data files).
    func : callable
        The function ``func(x, y)`` as a numpy function (see :func:`ackley` and the others).
    domain : tuple of (float, float)
        ``((x_lo, x_hi), (y_lo, y_hi))``, the box the inputs are sampled from.  It is also the
        range that :func:`load_cornn` maps to ``[-1, 1]``.

    See Also
    --------
    cornn_function : Look up a record by name or number.

    Examples
    --------
    >>> from sk_swat.datasets import cornn_function
    >>> spec = cornn_function("Adjiman")
    >>> spec.number, spec.name, spec.domain
    (5, 'Adjiman', ((-1.0, 2.0), (-1.0, 1.0)))
    >>> float(spec.func(0.0, 0.0))
    0.0
    """

    number: int
    name: str
    func: Callable
    domain: tuple


# Filled by the ``_cornn`` decorator, in definition (= CORNN number) order.
_FUNCTIONS: list[CornnFunction] = []

_PARAMETERS_DOC = """\
    Parameters
    ----------
    x, y : array_like
        Coordinates; they broadcast against each other.

    Returns
    -------
    f : numpy.ndarray or numpy.float64
        The function value(s), float64, with the broadcast shape of ``x`` and ``y``.

    Notes
    -----
    CORNN #{number} ({name!r}); sampling domain
    x in [{x_lo:g}, {x_hi:g}], y in [{y_lo:g}, {y_hi:g}]."""


def _cornn(number: int, name: str, x_domain, y_domain=None):
    """Register a function as CORNN task ``number`` and complete its docstring."""
    if y_domain is None:
        y_domain = x_domain
    domain = (tuple(float(v) for v in x_domain), tuple(float(v) for v in y_domain))

    def register(func):
        assert number == len(_FUNCTIONS) + 1, (number, name)
        block = _PARAMETERS_DOC.format(
            number=number,
            name=name,
            x_lo=domain[0][0],
            x_hi=domain[0][1],
            y_lo=domain[1][0],
            y_hi=domain[1][1],
        )
        func.__doc__ = func.__doc__.replace("    {parameters}", block)
        _FUNCTIONS.append(CornnFunction(number, name, func, domain))
        return func

    return register


def _f(v):
    return np.asarray(v, dtype=np.float64)


# --------------------------------------------------------------------------------------------
# The 54 functions (CORNN code versions), in CORNN order.
# --------------------------------------------------------------------------------------------


@_cornn(1, "Ackley", (-32, 32))
def ackley(x, y):
    r"""Ackley function.

    .. math::

        f(x, y) = -20 \exp\left(-0.2 \sqrt{0.5 (x^2 + y^2)}\right)
                  - \exp\left(0.5 (\cos 2\pi x + \cos 2\pi y)\right) + 20 + e

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import ackley
    >>> round(float(ackley(0.0, 0.0)), 12)
    0.0
    >>> round(float(ackley(1.0, 1.0)), 6)
    3.625385
    """
    x, y = _f(x), _f(y)
    return (
        -20.0 * np.exp(-0.2 * np.sqrt(0.5 * (x**2 + y**2)))
        - np.exp(0.5 * (np.cos(2 * _PI * x) + np.cos(2 * _PI * y)))
        + 20.0
        + np.e
    )


@_cornn(2, "Ackley N.2", (-32, 32))
def ackley_n2(x, y):
    r"""Ackley N.2 function.

    .. math::

        f(x, y) = -200 \exp\left(-0.2 \sqrt{x^2 + y^2}\right)

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import ackley_n2
    >>> float(ackley_n2(0.0, 0.0))
    -200.0
    """
    x, y = _f(x), _f(y)
    return -200.0 * np.exp(-0.2 * np.sqrt(x**2 + y**2))


@_cornn(3, "Ackley N.3", (-32, 32))
def ackley_n3(x, y):
    r"""Ackley N.3 function.

    .. math::

        f(x, y) = -200 \exp\left(-0.2 \sqrt{x^2 + y^2}\right) + 5 \exp(\cos 3x + \sin 3y)

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import ackley_n3
    >>> round(float(ackley_n3(0.0, 0.0)), 6)
    -186.408591
    """
    x, y = _f(x), _f(y)
    return ackley_n2(x, y) + 5.0 * np.exp(np.cos(3 * x) + np.sin(3 * y))


@_cornn(4, "Ackley N.4", (-35, 35))
def ackley_n4(x, y):
    r"""Ackley N.4 function (the CORNN 2-D form).

    .. math::

        f(x, y) = e^{-0.2} \sqrt{x^2 + y^2} + 3 (\cos 2x + \sin 2y)

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import ackley_n4
    >>> float(ackley_n4(0.0, 0.0))
    3.0
    """
    x, y = _f(x), _f(y)
    return np.exp(-0.2) * np.sqrt(x**2 + y**2) + 3.0 * (np.cos(2 * x) + np.sin(2 * y))


@_cornn(5, "Adjiman", (-1, 2), (-1, 1))
def adjiman(x, y):
    r"""Adjiman function.

    .. math::

        f(x, y) = \cos x \sin y - \frac{x}{y^2 + 1}

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import adjiman
    >>> round(float(adjiman(2.0, 0.10578)), 5)
    -2.02181
    """
    x, y = _f(x), _f(y)
    return np.cos(x) * np.sin(y) - x / (y**2 + 1.0)


@_cornn(6, "Alpine N.1", (0, 10))
def alpine_n1(x, y):
    r"""Alpine N.1 function.

    .. math::

        f(x, y) = |x \sin x + 0.1 x| + |y \sin y + 0.1 y|

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import alpine_n1
    >>> float(alpine_n1(0.0, 0.0))
    0.0
    """
    x, y = _f(x), _f(y)
    return np.abs(x * np.sin(x) + 0.1 * x) + np.abs(y * np.sin(y) + 0.1 * y)


@_cornn(7, "Alpine N.2", (0, 10))
def alpine_n2(x, y):
    r"""Alpine N.2 function (CORNN sign: a maximisation problem written without the minus).

    .. math::

        f(x, y) = \sqrt{x} \sin x \cdot \sqrt{y} \sin y

    Only defined for ``x, y >= 0`` (negative inputs give NaN).

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import alpine_n2
    >>> round(float(alpine_n2(7.917, 7.917)), 4)
    7.8856
    """
    x, y = _f(x), _f(y)
    return (np.sqrt(x) * np.sin(x)) * (np.sqrt(y) * np.sin(y))


@_cornn(8, "Bartels Conn", (-500, 500))
def bartels_conn(x, y):
    r"""Bartels Conn function.

    .. math::

        f(x, y) = |x^2 + y^2 + x y| + |\sin x| + |\cos y|

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import bartels_conn
    >>> float(bartels_conn(0.0, 0.0))
    1.0
    """
    x, y = _f(x), _f(y)
    return np.abs(x**2 + y**2 + x * y) + np.abs(np.sin(x)) + np.abs(np.cos(y))


@_cornn(9, "Beale", (-4.5, 4.5))
def beale(x, y):
    r"""Beale function.

    .. math::

        f(x, y) = (1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import beale
    >>> float(beale(3.0, 0.5))
    0.0
    """
    x, y = _f(x), _f(y)
    return (
        (1.5 - x + x * y) ** 2
        + (2.25 - x + x * y**2) ** 2
        + (2.625 - x + x * y**3) ** 2
    )


@_cornn(10, "Bird", (-2 * _PI, 2 * _PI))
def bird(x, y):
    r"""Bird function.

    .. math::

        f(x, y) = \sin x \, e^{(1 - \cos y)^2} + \cos y \, e^{(1 - \sin x)^2} + (x - y)^2

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import bird
    >>> round(float(bird(4.70104, 3.15294)), 3)
    -106.765
    """
    x, y = _f(x), _f(y)
    return (
        np.sin(x) * np.exp((1.0 - np.cos(y)) ** 2)
        + np.cos(y) * np.exp((1.0 - np.sin(x)) ** 2)
        + (x - y) ** 2
    )


@_cornn(11, "Bohachevsky N.1", (-100, 100))
def bohachevsky_n1(x, y):
    r"""Bohachevsky N.1 function.

    .. math::

        f(x, y) = x^2 + 2 y^2 - 0.3 \cos 3\pi x - 0.4 \cos 4\pi y + 0.7

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import bohachevsky_n1
    >>> round(float(bohachevsky_n1(0.0, 0.0)), 12)
    0.0
    """
    x, y = _f(x), _f(y)
    return x**2 + 2.0 * y**2 - 0.3 * np.cos(3 * _PI * x) - 0.4 * np.cos(4 * _PI * y) + 0.7


@_cornn(12, "Bohachevsky N.2", (-100, 100))
def bohachevsky_n2(x, y):
    r"""Bohachevsky N.2 function.

    .. math::

        f(x, y) = x^2 + 2 y^2 - 0.3 \cos(3\pi x) \cos(4\pi y) + 0.3

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import bohachevsky_n2
    >>> round(float(bohachevsky_n2(0.0, 0.0)), 12)
    0.0
    """
    x, y = _f(x), _f(y)
    return x**2 + 2.0 * y**2 - 0.3 * np.cos(3 * _PI * x) * np.cos(4 * _PI * y) + 0.3


@_cornn(13, "Booth", (-10, 10))
def booth(x, y):
    r"""Booth function.

    .. math::

        f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import booth
    >>> float(booth(1.0, 3.0))
    0.0
    """
    x, y = _f(x), _f(y)
    return (x + 2.0 * y - 7.0) ** 2 + (2.0 * x + y - 5.0) ** 2


@_cornn(14, "Brent", (-20, 0))
def brent(x, y):
    r"""Brent function.

    .. math::

        f(x, y) = (x + 10)^2 + (y + 10)^2 + e^{-x^2 - y^2}

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import brent
    >>> round(float(brent(-10.0, -10.0)), 12)
    0.0
    """
    x, y = _f(x), _f(y)
    return (x + 10.0) ** 2 + (y + 10.0) ** 2 + np.exp(-(x**2) - y**2)


@_cornn(15, "Brown", (-1, 1))
def brown(x, y):
    r"""Brown function.

    .. math::

        f(x, y) = (x^2)^{y^2 + 1} + (y^2)^{x^2 + 1}

    CORNN samples it on ``[-1, 1]^2`` (the paper's table says ``[-1, 4]``).

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import brown
    >>> float(brown(0.0, 0.0)), float(brown(1.0, 1.0))
    (0.0, 2.0)
    """
    x, y = _f(x), _f(y)
    return (x**2) ** (y**2 + 1.0) + (y**2) ** (x**2 + 1.0)


@_cornn(16, "Bukin N.6", (-15, -5), (-3, 3))
def bukin_n6(x, y):
    r"""Bukin N.6 function.

    .. math::

        f(x, y) = 100 \sqrt{|y - 0.01 x^2|} + 0.01 |x + 10|

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import bukin_n6
    >>> float(bukin_n6(-10.0, 1.0))
    0.0
    """
    x, y = _f(x), _f(y)
    return 100.0 * np.sqrt(np.abs(y - 0.01 * x**2)) + 0.01 * np.abs(x + 10.0)


@_cornn(17, "Cross-In-Tray", (-10, 10))
def cross_in_tray(x, y):
    r"""Cross-in-tray function.

    .. math::

        f(x, y) = -0.0001 \left(\left|\sin x \sin y
                  \exp\left|100 - \frac{\sqrt{x^2 + y^2}}{\pi}\right|\right| + 1\right)^{0.1}

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import cross_in_tray
    >>> round(float(cross_in_tray(1.349406, 1.349406)), 5)
    -2.06261
    """
    x, y = _f(x), _f(y)
    inner = np.exp(np.abs(100.0 - np.sqrt(x**2 + y**2) / _PI))
    return -0.0001 * (np.abs(np.sin(x) * np.sin(y) * inner) + 1.0) ** 0.1


@_cornn(18, "Deckkers-Aarts", (-20, 20))
def deckkers_aarts(x, y):
    r"""Deckkers-Aarts function, CORNN code version.

    .. math::

        f(x, y) = 10^5 (x^2 + y^2) - (x^2 + y^2)^2 + 10^{-5} (x^2 + y^2)^4

    The usual form (and the CORNN paper's table) has :math:`10^5 x^2 + y^2` in the first term;
    the CORNN code, and therefore its data, multiply both squares by :math:`10^5`.

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import deckkers_aarts
    >>> float(deckkers_aarts(0.0, 0.0)), float(deckkers_aarts(1.0, 0.0))
    (0.0, 99999.00001)
    """
    x, y = _f(x), _f(y)
    r2 = x**2 + y**2
    return 1e5 * r2 - r2**2 + 1e-5 * r2**4


@_cornn(19, "Drop-Wave", (-5.2, 5.2))
def drop_wave(x, y):
    r"""Drop-wave function.

    .. math::

        f(x, y) = -\frac{1 + \cos\left(12 \sqrt{x^2 + y^2}\right)}{0.5 (x^2 + y^2) + 2}

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import drop_wave
    >>> float(drop_wave(0.0, 0.0))
    -1.0
    """
    x, y = _f(x), _f(y)
    r2 = x**2 + y**2
    return -(1.0 + np.cos(12.0 * np.sqrt(r2))) / (0.5 * r2 + 2.0)


@_cornn(20, "Easom", (-50, 50))
def easom(x, y):
    r"""Easom function.

    .. math::

        f(x, y) = -\cos x \cos y \exp\left(-(x - \pi)^2 - (y - \pi)^2\right)

    CORNN samples it on ``[-50, 50]^2`` (the paper's table says ``[-100, 100]``).

    {parameters}

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat.datasets import easom
    >>> float(easom(np.pi, np.pi))
    -1.0
    """
    x, y = _f(x), _f(y)
    return -np.cos(x) * np.cos(y) * np.exp(-((x - _PI) ** 2) - (y - _PI) ** 2)


@_cornn(21, "Egg Crate", (-5, 5))
def egg_crate(x, y):
    r"""Egg crate function.

    .. math::

        f(x, y) = x^2 + y^2 + 25 (\sin^2 x + \sin^2 y)

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import egg_crate
    >>> float(egg_crate(0.0, 0.0))
    0.0
    """
    x, y = _f(x), _f(y)
    return x**2 + y**2 + 25.0 * (np.sin(x) ** 2 + np.sin(y) ** 2)


@_cornn(22, "Egg Holder", (-512, 512))
def egg_holder(x, y):
    r"""Egg holder function.

    .. math::

        f(x, y) = -(y + 47) \sin\sqrt{\left|y + \tfrac{x}{2} + 47\right|}
                  - x \sin\sqrt{|x - (y + 47)|}

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import egg_holder
    >>> round(float(egg_holder(512.0, 404.2319)), 4)
    -959.6407
    """
    x, y = _f(x), _f(y)
    return -(y + 47.0) * np.sin(np.sqrt(np.abs(y + x / 2.0 + 47.0))) - x * np.sin(
        np.sqrt(np.abs(x - (y + 47.0)))
    )


@_cornn(23, "Exponential", (-1, 1))
def exponential(x, y):
    r"""Exponential function.

    .. math::

        f(x, y) = -\exp\left(-0.5 (x^2 + y^2)\right)

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import exponential
    >>> float(exponential(0.0, 0.0))
    -1.0
    """
    x, y = _f(x), _f(y)
    return -np.exp(-0.5 * (x**2 + y**2))


@_cornn(24, "Goldstein-Price", (-2, 2))
def goldstein_price(x, y):
    r"""Goldstein-Price function, CORNN code version.

    .. math::

        f(x, y) = \left[1 + (x + y + 1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\right]
                  \left[30 + (2x - 3y)^2 (18 - 32x + 12x^2 + 4y - 36xy + 27y^2)\right]

    The usual form has :math:`48 y` where the CORNN code, and therefore its data, have
    :math:`4 y`; so the usual minimum :math:`f(0, -1) = 3` does not hold here.

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import goldstein_price
    >>> float(goldstein_price(0.0, 0.0))
    600.0
    >>> float(goldstein_price(0.0, -1.0))  # 3.0 with the usual 48 y term
    399.0
    """
    x, y = _f(x), _f(y)
    a = 1.0 + (x + y + 1.0) ** 2 * (
        19.0 - 14.0 * x + 3.0 * x**2 - 14.0 * y + 6.0 * x * y + 3.0 * y**2
    )
    b = 30.0 + (2.0 * x - 3.0 * y) ** 2 * (
        18.0 - 32.0 * x + 12.0 * x**2 + 4.0 * y - 36.0 * x * y + 27.0 * y**2
    )
    return a * b


@_cornn(25, "Griewank", (-600, 600))
def griewank(x, y):
    r"""Griewank function.

    .. math::

        f(x, y) = 1 + \frac{x^2}{4000} + \frac{y^2}{4000}
                  - \cos(x) \cos\left(\frac{y}{\sqrt 2}\right)

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import griewank
    >>> float(griewank(0.0, 0.0))
    0.0
    """
    x, y = _f(x), _f(y)
    return 1.0 + (x**2 / 4000.0 + y**2 / 4000.0) - np.cos(x) * np.cos(y / np.sqrt(2.0))


@_cornn(26, "Himmelblau", (-6, 6))
def himmelblau(x, y):
    r"""Himmelblau function.

    .. math::

        f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import himmelblau
    >>> float(himmelblau(3.0, 2.0))
    0.0
    """
    x, y = _f(x), _f(y)
    return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2


@_cornn(27, "Holder-Table", (-10, 10))
def holder_table(x, y):
    r"""Hölder table function.

    .. math::

        f(x, y) = -\left|\sin x \cos y \exp\left|1 - \frac{\sqrt{x^2 + y^2}}{\pi}\right|\right|

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import holder_table
    >>> round(float(holder_table(8.05502, 9.66459)), 4)
    -19.2085
    """
    x, y = _f(x), _f(y)
    return -np.abs(np.sin(x) * np.cos(y) * np.exp(np.abs(1.0 - np.sqrt(x**2 + y**2) / _PI)))


@_cornn(28, "Keane", (0, 10))
def keane(x, y):
    r"""Keane function.

    .. math::

        f(x, y) = -\frac{\sin^2(x - y) \sin^2(x + y)}{\sqrt{x^2 + y^2}}

    Undefined (NaN) at the origin.

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import keane
    >>> round(float(keane(1.393249070031784, 0.0)), 6)
    -0.673668
    """
    x, y = _f(x), _f(y)
    return -(np.sin(x - y) ** 2 * np.sin(x + y) ** 2) / np.sqrt(x**2 + y**2)


@_cornn(29, "Leon", (0, 10))
def leon(x, y):
    r"""Leon function.

    .. math::

        f(x, y) = 100 (y - x^3)^2 + (1 - x)^2

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import leon
    >>> float(leon(1.0, 1.0))
    0.0
    """
    x, y = _f(x), _f(y)
    return 100.0 * (y - x**3) ** 2 + (1.0 - x) ** 2


@_cornn(30, "Levi N.13", (-10, 10))
def levi_n13(x, y):
    r"""Lévi N.13 function.

    .. math::

        f(x, y) = \sin^2 3\pi x + (x - 1)^2 (1 + \sin^2 3\pi y) + (y - 1)^2 (1 + \sin^2 2\pi y)

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import levi_n13
    >>> round(float(levi_n13(1.0, 1.0)), 12)
    0.0
    """
    x, y = _f(x), _f(y)
    return (
        np.sin(3 * _PI * x) ** 2
        + (x - 1.0) ** 2 * (1.0 + np.sin(3 * _PI * y) ** 2)
        + (y - 1.0) ** 2 * (1.0 + np.sin(2 * _PI * y) ** 2)
    )


@_cornn(31, "Matyas", (-10, 10))
def matyas(x, y):
    r"""Matyas function.

    .. math::

        f(x, y) = 0.26 (x^2 + y^2) - 0.48 x y

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import matyas
    >>> float(matyas(0.0, 0.0))
    0.0
    """
    x, y = _f(x), _f(y)
    return 0.26 * (x**2 + y**2) - 0.48 * x * y


@_cornn(32, "McCormick", (-1.5, 4), (-3, 3))
def mccormick(x, y):
    r"""McCormick function.

    .. math::

        f(x, y) = \sin(x + y) + (x - y)^2 - 1.5 x + 2.5 y + 1

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import mccormick
    >>> round(float(mccormick(-0.54719, -1.54719)), 4)
    -1.9132
    """
    x, y = _f(x), _f(y)
    return np.sin(x + y) + (x - y) ** 2 - 1.5 * x + 2.5 * y + 1.0


@_cornn(33, "Michalewicz", (0, _PI))
def michalewicz(x, y):
    r"""Michalewicz function with steepness :math:`m = 10`.

    .. math::

        f(x, y) = -\left(\sin x \sin^{20}\left(\frac{x^2}{\pi}\right)
                  + \sin y \sin^{20}\left(\frac{2 y^2}{\pi}\right)\right)

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import michalewicz
    >>> round(float(michalewicz(2.20, 1.57)), 4)
    -1.8011
    """
    x, y = _f(x), _f(y)
    return -(np.sin(x) * np.sin(x**2 / _PI) ** 20 + np.sin(y) * np.sin((2 * y**2) / _PI) ** 20)


@_cornn(34, "Periodic", (-10, 10))
def periodic(x, y):
    r"""Periodic function.

    .. math::

        f(x, y) = 1 + \sin^2 x + \sin^2 y - 0.1 e^{-(x^2 + y^2)}

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import periodic
    >>> float(periodic(0.0, 0.0))
    0.9
    """
    x, y = _f(x), _f(y)
    return 1.0 + np.sin(x) ** 2 + np.sin(y) ** 2 - 0.1 * np.exp(-(x**2 + y**2))


@_cornn(35, "Qing", (-500, 500))
def qing(x, y):
    r"""Qing function, CORNN code version.

    .. math::

        f(x, y) = (x - 1)^2 + (y - 2)^2

    The usual form (and the CORNN paper's table) is :math:`(x^2 - 1)^2 + (y^2 - 2)^2`; the CORNN
    code, and therefore its data, use the shifted sphere above.

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import qing
    >>> float(qing(1.0, 2.0))
    0.0
    """
    x, y = _f(x), _f(y)
    return (x - 1.0) ** 2 + (y - 2.0) ** 2


@_cornn(36, "Rastrigin", (-5.12, 5.12))
def rastrigin(x, y):
    r"""Rastrigin function.

    .. math::

        f(x, y) = 20 + x^2 - 10 \cos 2\pi x + y^2 - 10 \cos 2\pi y

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import rastrigin
    >>> float(rastrigin(0.0, 0.0))
    0.0
    """
    x, y = _f(x), _f(y)
    return 20.0 + (x**2 - 10.0 * np.cos(2 * _PI * x)) + (y**2 - 10.0 * np.cos(2 * _PI * y))


@_cornn(37, "Ridge", (-5, 5))
def ridge(x, y):
    r"""Ridge function (CORNN form).

    .. math::

        f(x, y) = x + (y^2)^{0.5} = x + |y|

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import ridge
    >>> float(ridge(-5.0, 0.0)), float(ridge(1.0, -2.0))
    (-5.0, 3.0)
    """
    x, y = _f(x), _f(y)
    return x + (y**2) ** 0.5


@_cornn(38, "Rosenbrock", (-5, 10))
def rosenbrock(x, y):
    r"""Rosenbrock function.

    .. math::

        f(x, y) = 100 (y - x^2)^2 + (1 - x)^2

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import rosenbrock
    >>> float(rosenbrock(1.0, 1.0))
    0.0
    """
    x, y = _f(x), _f(y)
    return 100.0 * (y - x**2) ** 2 + (1.0 - x) ** 2


@_cornn(39, "Salomon", (-100, 100))
def salomon(x, y):
    r"""Salomon function.

    .. math::

        f(x, y) = 1 - \cos(2\pi r) + 0.1 r, \qquad r = \sqrt{x^2 + y^2}

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import salomon
    >>> float(salomon(0.0, 0.0))
    0.0
    """
    x, y = _f(x), _f(y)
    r = np.sqrt(x**2 + y**2)
    return 1.0 - np.cos(2 * _PI * r) + 0.1 * r


@_cornn(40, "Schaffer N.2", (-100, 100))
def schaffer_n2(x, y):
    r"""Schaffer N.2 function.

    .. math::

        f(x, y) = 0.5 + \frac{\sin^2(x^2 - y^2) - 0.5}{\left(1 + 0.001 (x^2 + y^2)\right)^2}

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import schaffer_n2
    >>> float(schaffer_n2(0.0, 0.0))
    0.0
    """
    x, y = _f(x), _f(y)
    return 0.5 + (np.sin(x**2 - y**2) ** 2 - 0.5) / (1.0 + 0.001 * (x**2 + y**2)) ** 2


@_cornn(41, "Schaffer N.3", (-100, 100))
def schaffer_n3(x, y):
    r"""Schaffer N.3 function.

    .. math::

        f(x, y) = 0.5 + \frac{\sin^2\left(\cos |x^2 - y^2|\right) - 0.5}
                              {\left(1 + 0.001 (x^2 + y^2)\right)^2}

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import schaffer_n3
    >>> round(float(schaffer_n3(0.0, 1.253115)), 6)
    0.001567
    """
    x, y = _f(x), _f(y)
    return 0.5 + (np.sin(np.cos(np.abs(x**2 - y**2))) ** 2 - 0.5) / (
        1.0 + 0.001 * (x**2 + y**2)
    ) ** 2


@_cornn(42, "Schwefel 2.20", (-100, 100))
def schwefel_2_20(x, y):
    r"""Schwefel 2.20 function.

    .. math::

        f(x, y) = |x| + |y|

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import schwefel_2_20
    >>> float(schwefel_2_20(-1.0, 2.0))
    3.0
    """
    x, y = _f(x), _f(y)
    return np.abs(x) + np.abs(y)


@_cornn(43, "Schwefel 2.22", (-100, 100))
def schwefel_2_22(x, y):
    r"""Schwefel 2.22 function.

    .. math::

        f(x, y) = |x| + |y| + |x| |y|

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import schwefel_2_22
    >>> float(schwefel_2_22(-1.0, 2.0))
    5.0
    """
    x, y = _f(x), _f(y)
    return np.abs(x) + np.abs(y) + np.abs(x) * np.abs(y)


@_cornn(44, "Schwefel 2.23", (-10, 10))
def schwefel_2_23(x, y):
    r"""Schwefel 2.23 function.

    .. math::

        f(x, y) = x^{10} + y^{10}

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import schwefel_2_23
    >>> float(schwefel_2_23(2.0, -1.0))
    1025.0
    """
    x, y = _f(x), _f(y)
    return x**10 + y**10


def _shubert_sin_sum(v):
    total = 0.0
    for j in range(1, 6):
        total = total + j * np.sin((j + 1) * v + j)
    return total


def _shubert_cos_sum(v):
    total = 0.0
    for j in range(1, 6):
        total = total + np.cos((j + 1) * v + j)
    return total


@_cornn(45, "Shubert 3", (-10, 10))
def shubert_3(x, y):
    r"""Shubert 3 function.

    .. math::

        f(x, y) = \sum_{j=1}^{5} j \sin\left((j + 1) x + j\right)
                  + \sum_{j=1}^{5} j \sin\left((j + 1) y + j\right)

    Numbered #45 as in the CORNN paper's table (the CORNN code lists it after "Shubert").

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import shubert_3
    >>> round(float(shubert_3(0.0, 0.0)), 6)
    -9.476811
    """
    x, y = _f(x), _f(y)
    return _shubert_sin_sum(x) + _shubert_sin_sum(y)


@_cornn(46, "Shubert", (-10, 10))
def shubert(x, y):
    r"""Shubert function.

    .. math::

        f(x, y) = \left[\sum_{j=1}^{5} \cos\left((j + 1) x + j\right)\right]
                  \left[\sum_{j=1}^{5} \cos\left((j + 1) y + j\right)\right]

    Numbered #46 as in the CORNN paper's table (the CORNN code lists it before "Shubert 3").

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import shubert
    >>> round(float(shubert(0.0, 0.0)), 6)
    1.527247
    """
    x, y = _f(x), _f(y)
    return _shubert_cos_sum(x) * _shubert_cos_sum(y)


@_cornn(47, "Sphere", (-5.12, 5.12))
def sphere(x, y):
    r"""Sphere function.

    .. math::

        f(x, y) = x^2 + y^2

    CORNN samples it on ``[-5.12, 5.12]^2``.

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import sphere
    >>> float(sphere(3.0, 4.0))
    25.0
    """
    x, y = _f(x), _f(y)
    return x**2 + y**2


@_cornn(48, "Styblinski-Tang", (-5, 5))
def styblinski_tang(x, y):
    r"""Styblinski-Tang function, CORNN code version.

    .. math::

        f(x, y) = \tfrac{1}{2} \left(x^4 - 16 x^2 + 5^x + y^4 - 16 y^2 + 5^y\right)

    The usual form (and the CORNN paper's table) has :math:`5x` and :math:`5y`; the CORNN code,
    and therefore its data, use the powers :math:`5^x` and :math:`5^y`.

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import styblinski_tang
    >>> float(styblinski_tang(0.0, 0.0))
    1.0
    >>> float(styblinski_tang(1.0, 0.0))
    -4.5
    """
    x, y = _f(x), _f(y)
    return 0.5 * ((x**4 - 16.0 * x**2 + 5.0**x) + (y**4 - 16.0 * y**2 + 5.0**y))


@_cornn(49, "Sum Squares", (-10, 10))
def sum_squares(x, y):
    r"""Sum squares function.

    .. math::

        f(x, y) = x^2 + 2 y^2

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import sum_squares
    >>> float(sum_squares(1.0, 2.0))
    9.0
    """
    x, y = _f(x), _f(y)
    return x**2 + 2.0 * y**2


@_cornn(50, "Three-Hump Camel", (-5, 5))
def three_hump_camel(x, y):
    r"""Three-hump camel function.

    .. math::

        f(x, y) = 2 x^2 - 1.05 x^4 + \frac{x^6}{6} + x y + y^2

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import three_hump_camel
    >>> float(three_hump_camel(0.0, 0.0))
    0.0
    """
    x, y = _f(x), _f(y)
    return 2.0 * x**2 - 1.05 * x**4 + x**6 / 6.0 + x * y + y**2


@_cornn(51, "Xin-She Yang N.2", (-2 * _PI, 2 * _PI))
def xin_she_yang_n2(x, y):
    r"""Xin-She Yang N.2 function.

    .. math::

        f(x, y) = (|x| + |y|) \exp\left(-(\sin x^2 + \sin y^2)\right)

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import xin_she_yang_n2
    >>> float(xin_she_yang_n2(0.0, 0.0))
    0.0
    """
    x, y = _f(x), _f(y)
    return (np.abs(x) + np.abs(y)) * np.exp(-(np.sin(x**2) + np.sin(y**2)))


@_cornn(52, "Xin-She Yang N.3", (-2 * _PI, 2 * _PI))
def xin_she_yang_n3(x, y):
    r"""Xin-She Yang N.3 function with :math:`\beta = 15` and :math:`m = 5`.

    .. math::

        f(x, y) = \exp\left(-\left(\left(\frac{x}{15}\right)^{10}
                  + \left(\frac{y}{15}\right)^{10}\right)\right)
                  - 2 e^{-(x^2 + y^2)} \cos^2 x \cos^2 y

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import xin_she_yang_n3
    >>> float(xin_she_yang_n3(0.0, 0.0))
    -1.0
    """
    x, y = _f(x), _f(y)
    return (
        np.exp(-((x / 15.0) ** 10 + (y / 15.0) ** 10))
        - 2.0 * np.exp(-(x**2 + y**2)) * np.cos(x) ** 2 * np.cos(y) ** 2
    )


@_cornn(53, "Xin-She Yang N.4", (-10, 10))
def xin_she_yang_n4(x, y):
    r"""Xin-She Yang N.4 function.

    .. math::

        f(x, y) = \left(\sin^2 x + \sin^2 y - e^{-(x^2 + y^2)}\right)
                  \exp\left(-\left(\sin^2\sqrt{|x|} + \sin^2\sqrt{|y|}\right)\right)

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import xin_she_yang_n4
    >>> float(xin_she_yang_n4(0.0, 0.0))
    -1.0
    """
    x, y = _f(x), _f(y)
    return (np.sin(x) ** 2 + np.sin(y) ** 2 - np.exp(-(x**2 + y**2))) * np.exp(
        -(np.sin(np.sqrt(np.abs(x))) ** 2 + np.sin(np.sqrt(np.abs(y))) ** 2)
    )


@_cornn(54, "Zakharov", (-5, 10))
def zakharov(x, y):
    r"""Zakharov function.

    .. math::

        f(x, y) = x^2 + y^2 + (0.5 x + y)^2 + (0.5 x + y)^4

    {parameters}

    Examples
    --------
    >>> from sk_swat.datasets import zakharov
    >>> float(zakharov(0.0, 0.0)), float(zakharov(2.0, 0.0))
    (0.0, 6.0)
    """
    x, y = _f(x), _f(y)
    s = 0.5 * x + y
    return x**2 + y**2 + s**2 + s**4


# --------------------------------------------------------------------------------------------
# Lookup
# --------------------------------------------------------------------------------------------


def _normalise(name: str) -> str:
    """Lower case, without spaces, dots, hyphens and underscores: "Ackley N.2" -> "ackleyn2"."""
    return re.sub(r"[\s._\-]+", "", name.lower())


_N_FUNCTIONS = len(_FUNCTIONS)
_BY_KEY: dict[str, CornnFunction] = {}
for _spec in _FUNCTIONS:
    for _key in {_normalise(_spec.name), _normalise(_spec.func.__name__)}:
        assert _BY_KEY.get(_key, _spec) is _spec, f"ambiguous CORNN name key {_key!r}"
        _BY_KEY[_key] = _spec
del _spec, _key


def _valid_choices() -> str:
    names = ", ".join(f"{s.number}: {s.name!r}" for s in _FUNCTIONS)
    return (
        f"Valid values are an int in 1..{_N_FUNCTIONS} or one of these display names "
        f"(case, spaces, dots, hyphens and underscores are ignored): {names}."
    )


def cornn_names() -> list[str]:
    """Return the display names of the 54 CORNN functions, in CORNN numbering order.

    ``cornn_names()[k - 1]`` is the name of CORNN function number ``k``.

    Returns
    -------
    names : list of str
        The 54 display names, ``"Ackley"`` (#1) to ``"Zakharov"`` (#54).

    See Also
    --------
    cornn_function : The metadata of one function.
    load_cornn : Load the data set of one function.

    Examples
    --------
    >>> from sk_swat.datasets import cornn_names
    >>> names = cornn_names()
    >>> len(names)
    54
    >>> names[0], names[44], names[45], names[-1]
    ('Ackley', 'Shubert 3', 'Shubert', 'Zakharov')
    """
    return [spec.name for spec in _FUNCTIONS]


def cornn_function(name_or_number) -> CornnFunction:
    """Return the metadata of one CORNN function.

    Parameters
    ----------
    name_or_number : str or int
        A display name such as ``"Ackley N.2"`` (matched ignoring case, spaces, dots, hyphens and
        underscores, so ``"ackley_n2"`` works too), or the CORNN number, an int (Python or numpy
        integer) in 1..54.

    Returns
    -------
    spec : CornnFunction
        Frozen record with ``number``, ``name``, ``func`` and ``domain``.

    Raises
    ------
    TypeError
        If `name_or_number` is neither a str nor an integer (floats and bools are refused).
    ValueError
        If the name is unknown or the number is outside 1..54.  The message lists the valid values.

    See Also
    --------
    cornn_names : All display names in order.
    load_cornn : Load the data set of one function.

    Examples
    --------
    >>> from sk_swat.datasets import cornn_function
    >>> spec = cornn_function(47)
    >>> spec.name, spec.domain
    ('Sphere', ((-5.12, 5.12), (-5.12, 5.12)))
    >>> float(spec.func(3.0, 4.0))
    25.0
    >>> cornn_function("xin-she yang n.2").number
    51
    """
    if isinstance(name_or_number, (bool, np.bool_)):
        raise TypeError(
            f"name_or_number must be a str or an int, got a bool ({name_or_number!r}). "
            + _valid_choices()
        )
    if isinstance(name_or_number, (int, np.integer)):
        number = int(name_or_number)
        if not 1 <= number <= _N_FUNCTIONS:
            raise ValueError(
                f"CORNN function number {number} is out of range 1..{_N_FUNCTIONS}. "
                + _valid_choices()
            )
        return _FUNCTIONS[number - 1]
    if isinstance(name_or_number, str):
        spec = _BY_KEY.get(_normalise(name_or_number))
        if spec is None:
            close = difflib.get_close_matches(
                _normalise(name_or_number), [_normalise(s.name) for s in _FUNCTIONS], n=3
            )
            hint = ""
            if close:
                suggestions = [_BY_KEY[c].name for c in close]
                hint = " Did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
            raise ValueError(
                f"Unknown CORNN function name {name_or_number!r}.{hint} " + _valid_choices()
            )
        return spec
    raise TypeError(
        "name_or_number must be a str (display name) or an int (CORNN number), got "
        f"{type(name_or_number).__name__} {name_or_number!r}. " + _valid_choices()
    )


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


class _Bunch(dict):
    """A dict whose keys are also attributes, like ``sklearn.utils.Bunch``."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __dir__(self):
        return list(self.keys())


def load_cornn(name_or_number, *, scaled=True, return_raw=False):
    """Generate the train/test split of one CORNN regression task.

    The data are regenerated with the CORNN recipe, reproducing the published CSV files (the inputs
    bit-for-bit, the outputs to rounding): a ``numpy.random.RandomState(0)`` (equivalently
    ``np.random.seed(0)``) per task draws 5000 ``x`` values uniformly from the x-domain, then 5000
    ``y`` values from the y-domain; the first 3750 points are the training set, the last 1250 the
    test set.  All 54 tasks therefore share the same points in normalised coordinates.

    Parameters
    ----------
    name_or_number : str or int
        The task: a display name (see :func:`cornn_names`; case, spaces, dots, hyphens and
        underscores are ignored) or the CORNN number 1..54.
    scaled : bool, default=True
        If True, return the data as CORNN trains on them: each input mapped from its known domain
        ``[lo, hi]`` to ``[-1, 1]`` by ``2 * (x - lo) / (hi - lo) - 1``, and the outputs by
        ``2 * (f - y_min) / (y_max - y_min) - 1`` where ``y_min`` and ``y_max`` are the minimum and
        maximum of the *training* outputs.  The same constants are applied to the test outputs, so
        the training outputs span exactly ``[-1, 1]`` while a few test outputs (0 to 2 per task)
        fall slightly outside.  If False, return the raw inputs and function values.
    return_raw : bool, default=False
        If True, also return a fifth item, ``raw`` (see Returns).

    Returns
    -------
    X_train : ndarray of shape (3750, 2), dtype float64
        Training inputs ``(x, y)``.
    X_test : ndarray of shape (1250, 2), dtype float64
        Test inputs.
    y_train : ndarray of shape (3750,), dtype float64
        Training targets ``f(x, y)``.
    y_test : ndarray of shape (1250,), dtype float64
        Test targets.
    raw : dict-like, only when ``return_raw=True``
        A dict whose keys are also attributes (like ``sklearn.utils.Bunch``) with the unscaled data
        and the scaling constants, whatever `scaled` is:

        - ``X_train``, ``X_test``, ``y_train``, ``y_test``: raw inputs and function values;
        - ``domain``: ``((x_lo, x_hi), (y_lo, y_hi))``, used to scale the inputs;
        - ``y_min``, ``y_max``: the training-output minimum and maximum used to scale the outputs.
          A scaled prediction ``p`` maps back to ``(p + 1) / 2 * (y_max - y_min) + y_min``.

    Raises
    ------
    TypeError, ValueError
        For an invalid `name_or_number`, see :func:`cornn_function`.

    See Also
    --------
    cornn_names : The display names in CORNN order.
    cornn_function : The function, its domain and number.

    Notes
    -----
    The arrays are freshly generated on every call (a few milliseconds); modifying them does not
    affect later calls.  CORNN itself converts the scaled arrays to float32 tensors with targets of
    shape ``(n, 1)``; here they stay float64 with 1-D targets, as scikit-learn expects.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_swat.datasets import load_cornn
    >>> X_train, X_test, y_train, y_test = load_cornn("Sphere")
    >>> X_train.shape, X_test.shape, y_train.shape, y_test.shape
    ((3750, 2), (1250, 2), (3750,), (1250,))
    >>> float(y_train.min()), float(y_train.max())
    (-1.0, 1.0)
    >>> bool(abs(X_train).max() <= 1.0)
    True

    The raw data, and the constants to undo the output scaling:

    >>> X_train, X_test, y_train, y_test, raw = load_cornn(47, return_raw=True)
    >>> raw.X_train[0]
    array([ 0.49985028, -1.36417055])
    >>> X_train[0]
    array([ 0.09762701, -0.26643956])
    >>> y_back = (y_test + 1) / 2 * (raw.y_max - raw.y_min) + raw.y_min
    >>> bool(np.allclose(y_back, raw.y_test))
    True
    """
    spec = cornn_function(name_or_number)
    (x_lo, x_hi), (y_lo, y_hi) = spec.domain

    rng = np.random.RandomState(_SEED)
    x = rng.uniform(x_lo, x_hi, _N_SAMPLES)
    y = rng.uniform(y_lo, y_hi, _N_SAMPLES)
    f = np.asarray(spec.func(x, y), dtype=np.float64)
    X = np.column_stack([x, y])

    X_train_raw, X_test_raw = X[:_N_TRAIN], X[_N_TRAIN:]
    y_train_raw, y_test_raw = f[:_N_TRAIN], f[_N_TRAIN:]
    y_min, y_max = float(y_train_raw.min()), float(y_train_raw.max())

    if scaled:
        lo = np.array([x_lo, y_lo])
        hi = np.array([x_hi, y_hi])
        X_s = 2.0 * (X - lo) / (hi - lo) - 1.0
        f_s = 2.0 * (f - y_min) / (y_max - y_min) - 1.0
        out = (X_s[:_N_TRAIN], X_s[_N_TRAIN:], f_s[:_N_TRAIN], f_s[_N_TRAIN:])
    else:
        out = (X_train_raw.copy(), X_test_raw.copy(), y_train_raw.copy(), y_test_raw.copy())
    out = tuple(np.ascontiguousarray(a) for a in out)

    if not return_raw:
        return out
    raw = _Bunch(
        X_train=X_train_raw,
        X_test=X_test_raw,
        y_train=y_train_raw,
        y_test=y_test_raw,
        domain=spec.domain,
        y_min=y_min,
        y_max=y_max,
    )
    return (*out, raw)
