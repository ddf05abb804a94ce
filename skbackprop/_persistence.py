"""What a fitted model saves: plain values, and the skbackprop version.

A fitted estimator keeps, besides its fitted attributes, what continues its
training (the optimizer's moments, the schedule, the stopping rule's counts)
and caches (the network with its scratch buffers, the random state of the last
fit). Saved, pickled or with :func:`skops.io.dump`, it keeps the first as
plain values (numbers, strings, lists, dicts and arrays), rebuilt on load,
and none of the second, rebuilt by the next fit: so a skops file names no type
but the estimator's own class, and the loss curves are stored once. The
callbacks of a fitted model are not saved either: they watch fits, they are
not part of the model.
"""

import warnings
from dataclasses import fields

import numpy as np

from ._training import TrainingState
from ._version import __version__
from .core.optimizers import SCHEDULES, SGD, Adam

# Rebuilt by the next fit, never saved.
_CACHES = ("_network", "_random_state")
# Fields of a TrainingState kept as fitted attributes of the same name + "_".
_CURVES = TrainingState.CURVES
_OPTIMIZERS = {cls.__name__: cls for cls in (SGD, Adam)}
_SCHEDULES = {cls.__name__: cls for cls in SCHEDULES.values()}


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
    """Saves plain values and ``_skbackprop_version``; checks the version on load."""

    def __getstate__(self):
        state = super().__getstate__()
        if isinstance(state, dict):
            state = {**_plain_state(state), "_skbackprop_version": __version__}
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
            state = _rebuilt_state(state)
        super().__setstate__(state)


def _plain_state(state):
    """The estimator's ``__dict__`` to save: no caches, no objects of ours."""
    state = {k: v for k, v in state.items() if k not in _CACHES}
    fitted = any(k.endswith("_") and not k.startswith("_") for k in state)
    if fitted:
        state.pop("_skl_callbacks", None)
    if isinstance(state.get("_state"), TrainingState):
        state["_state"] = _training_state_values(state["_state"], state)
    for name in _CURVES:
        # an array: one block of numbers for skops, not a node per number
        curve = state.get(name + "_")
        if isinstance(curve, list) and all(isinstance(v, float) for v in curve):
            state[name + "_"] = np.array(curve, dtype=np.float64)
    for key, kinds in (("_optimizer", _OPTIMIZERS), ("_schedule", _SCHEDULES)):
        obj = state.get(key)
        if type(obj).__name__ in kinds and type(obj) is kinds[type(obj).__name__]:
            values = {
                k: v for k, v in vars(obj).items() if k not in ("params", "_workspace")
            }
            state[key] = {"kind": type(obj).__name__, **values}
    return state


def _rebuilt_state(state):
    """The inverse of :func:`_plain_state` (what a fit would have left)."""
    state = dict(state)
    for name in _CURVES:
        if isinstance(state.get(name + "_"), np.ndarray):
            state[name + "_"] = state[name + "_"].tolist()
    values = state.get("_state")
    if isinstance(values, dict):
        state["_state"] = _training_state(values, state)
    for key, kinds in (("_optimizer", _OPTIMIZERS), ("_schedule", _SCHEDULES)):
        values = state.get(key)
        if isinstance(values, dict):
            values = dict(values)
            obj = object.__new__(kinds[values.pop("kind")])
            if key == "_optimizer":
                # the vector it steps: rebound to the network of the next fit
                values["params"] = np.zeros_like(
                    values.get("m", values.get("velocity"))
                )
                obj.__setstate__(values)
            else:
                vars(obj).update(values)
            state[key] = obj
    return state


def _flat_weights(state):
    """The model's weights in the order of the network's parameter vector."""
    if "coefs_" in state:
        arrays = [*state["coefs_"], *state["intercepts_"]]
    else:
        arrays = [state["coef_"].T, state["intercept_"]]
    return np.concatenate([np.ravel(a) for a in arrays])


def _training_state_values(training, state):
    """A :class:`TrainingState` as plain values, without copies of attributes.

    Its curves are the fitted attributes ``loss_curve_``... (saved once, named
    here), and its best parameters, when they are the model's weights (as
    after early stopping, which restores them), are not saved again.
    """
    values = {f.name: getattr(training, f.name) for f in fields(training)}
    shared = []
    for name in _CURVES:
        if values[name] is not None and values[name] is state.get(name + "_"):
            del values[name]
            shared.append(name)
    best = values["best_params"]
    if best is not None and _same_array(best, _flat_weights(state)):
        values["best_params"] = "weights"
    return {**values, "shared_curves": shared}


def _training_state(values, state):
    values = dict(values)
    for name in values.pop("shared_curves"):
        values[name] = state[name + "_"]
    if isinstance(values["best_params"], str):
        values["best_params"] = _flat_weights(state)
    return TrainingState(**values)


def _same_array(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
