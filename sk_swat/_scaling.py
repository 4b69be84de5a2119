"""The base of the regressors whose network sees inputs and targets scaled to [-1, 1]."""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .mlp import SparseMLP

__all__ = ["ScaledMLPRegressor"]


class _RangeScaler:
    """Map each column's [min, max] onto [-1, 1], judging its range relative to its magnitude.

    The arithmetic of ``MinMaxScaler(feature_range=(-1, 1))``, which ordinary data get bit for bit,
    without its two failures: it takes a range below ten machine epsilons *in absolute terms* for
    zero (``1e-20 * sin(x)`` is fitted as a constant, at the wrong scale), and a range beyond the
    largest float (data spanning +-1e308) for infinite (every row maps to -1). Here a column is
    constant when its range is below ten epsilons of its own magnitude; it maps to -1 and back to
    its value exactly.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_columns)
        Finite data.
    """

    def __init__(self, X):
        self.data_min_, self.data_max_ = X.min(axis=0), X.max(axis=0)
        with np.errstate(over="ignore", divide="ignore"):
            span = self.data_max_ - self.data_min_
            scale = np.where(np.isfinite(span), 2 / span, 1 / (self.data_max_ / 2 - self.data_min_ / 2))
        magnitude = np.maximum(np.abs(self.data_min_), np.abs(self.data_max_))
        self.scale_ = np.where(span <= 10 * np.finfo(X.dtype).eps * magnitude, 0.0, scale)
        self.min_ = -1 - self.data_min_ * self.scale_

    def transform(self, X):
        """``X`` scaled; a constant column becomes -1."""
        return X * self.scale_ + self.min_

    def inverse_transform(self, Z):
        """The data that ``transform`` maps to ``Z``; a constant column's value for every row."""
        constant = self.scale_ == 0
        return np.where(constant, self.data_min_, (Z - self.min_) / np.where(constant, 1.0, self.scale_))


class ScaledMLPRegressor(RegressorMixin, BaseEstimator):
    """Scale ``X`` per feature and ``y`` to [-1, 1] in ``fit``; predict through ``mlp_``.

    The scaling of SWAT-NN, written once for :class:`~sk_swat.SWATRegressor`
    and :class:`~sk_swat.baselines.SWATADMMRegressor`: a subclass's ``fit``
    calls ``_fit_scaling`` on validated data and trains ``mlp_`` on what it
    returns; ``predict`` scales new inputs the same way and undoes the
    target scaling.
    """

    def _fit_scaling(self, X, y, sample_weight):
        """Fit the scalers on the rows of positive weight and scale them.

        A row of weight zero is the same as no row: it is dropped before
        scaling, so that neither the scalers nor anything fitted on the
        scaled rows see it.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Validated training inputs.
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Validated training targets.
        sample_weight : ndarray of shape (n_samples,)
            Non-negative row weights.

        Returns
        -------
        X_scaled : ndarray of shape (n_kept, n_features)
        y_scaled : ndarray of shape (n_kept,) or (n_kept, n_outputs)
        sample_weight : ndarray of shape (n_kept,)
            The rows of positive weight.

        Raises
        ------
        ValueError
            If fewer than two rows have a positive weight.
        """
        y = np.asarray(y, dtype=np.float64)  # validate_data leaves a target of strings as it is
        positive = sample_weight > 0
        if not positive.all():
            X, y, sample_weight = X[positive], y[positive], sample_weight[positive]
        if len(y) < 2:
            raise ValueError(
                f"Only {len(y)} of the {len(positive)} rows have a positive sample_weight; at least 2 are "
                "needed to fit. Give more rows a weight above zero."
            )
        columns = y.reshape(len(y), -1)
        self._x_scaler = _RangeScaler(X)
        self._y_scaler = _RangeScaler(columns)
        X_scaled = self._x_scaler.transform(X)
        y_scaled = self._y_scaler.transform(columns)
        return X_scaled, y_scaled[:, 0] if y.ndim == 1 else y_scaled, sample_weight

    def predict(self, X):
        """Predict with the found network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs, with the features seen in ``fit``. They are scaled as the
            training inputs were; the network has seen nothing outside the
            training range, so predictions there are extrapolations.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions, on the scale of the training targets; 2-D when
            ``y`` had several columns.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._network_on_raw_data().predict(X)

    def _network_on_raw_data(self):
        """``mlp_`` from raw inputs to raw targets: both scalings folded into its first and last layer.

        Prediction then makes no scaled copy of ``X`` or of the output.
        """
        mlp, x_scaler, y_scaler = self.mlp_, self._x_scaler, self._y_scaler
        weights, biases = list(mlp.weights), list(mlp.biases)
        biases[0] = biases[0] + x_scaler.min_ @ weights[0]
        weights[0] = x_scaler.scale_[:, None] * weights[0]
        constant = y_scaler.scale_ == 0  # a constant target: predict its value
        scale = np.where(constant, 1.0, y_scaler.scale_)
        weights[-1] = np.where(constant, 0.0, weights[-1] / scale)
        biases[-1] = np.where(constant, y_scaler.data_min_, (biases[-1] - y_scaler.min_) / scale)
        return SparseMLP(weights, biases, mlp.activations, mlp.masks)
