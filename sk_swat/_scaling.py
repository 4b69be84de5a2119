"""The base of the regressors whose network sees inputs and targets scaled to [-1, 1]."""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["ScaledMLPRegressor"]


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
        y : ndarray of shape (n_samples,)
            Validated training targets.
        sample_weight : ndarray of shape (n_samples,)
            Non-negative row weights.

        Returns
        -------
        X_scaled : ndarray of shape (n_kept, n_features)
        y_scaled : ndarray of shape (n_kept,)
        sample_weight : ndarray of shape (n_kept,)
            The rows of positive weight.
        """
        positive = sample_weight > 0
        if not positive.all():
            X, y, sample_weight = X[positive], y[positive], sample_weight[positive]
        self._x_scaler = MinMaxScaler(feature_range=(-1, 1)).fit(X)
        self._y_scaler = MinMaxScaler(feature_range=(-1, 1)).fit(y.reshape(-1, 1))
        X_scaled = self._x_scaler.transform(X)
        y_scaled = self._y_scaler.transform(y.reshape(-1, 1))[:, 0]
        return X_scaled, y_scaled, sample_weight

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
        y_pred : ndarray of shape (n_samples,)
            Predictions, on the scale of the training targets.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        out = self.mlp_.predict(self._x_scaler.transform(X))
        return self._y_scaler.inverse_transform(out.reshape(-1, 1))[:, 0]
