"""Pickling that records the skbackprop version, as scikit-learn records its own."""

import warnings

from ._version import __version__


class InconsistentVersionWarning(UserWarning):
    """A model is unpickled under another skbackprop version than it was saved with.

    Like :class:`sklearn.exceptions.InconsistentVersionWarning`: the model may
    load and predict, but nothing guarantees it; refit it, or load it with the
    version that saved it.

    Attributes
    ----------
    estimator_name : str
        The estimator's class name.
    current_version : str
        The skbackprop version loading the model.
    original_version : str
        The skbackprop version that saved it.
    """

    def __init__(self, *, estimator_name, current_version, original_version):
        self.estimator_name = estimator_name
        self.current_version = current_version
        self.original_version = original_version

    def __str__(self):
        return (
            f"Trying to unpickle estimator {self.estimator_name} from skbackprop "
            f"version {self.original_version} when using version "
            f"{self.current_version}. This might lead to breaking code or invalid "
            "results. Use at your own risk."
        )


class VersionedPickleMixin:
    """Adds ``_skbackprop_version`` to the pickled state and checks it on load."""

    def __getstate__(self):
        state = super().__getstate__()
        if isinstance(state, dict):
            state = {**state, "_skbackprop_version": __version__}
        return state

    def __setstate__(self, state):
        if isinstance(state, dict):
            original = state.pop("_skbackprop_version", "pre-0.1")
            if original != __version__:
                warnings.warn(
                    InconsistentVersionWarning(
                        estimator_name=type(self).__name__,
                        current_version=__version__,
                        original_version=original,
                    )
                )
        super().__setstate__(state)
