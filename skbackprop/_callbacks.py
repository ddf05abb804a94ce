"""scikit-learn's callback API (``sklearn.callback``, scikit-learn >= 1.9), if present.

The estimators report one sub-task per epoch (stochastic solvers) or per
iteration (L-BFGS, full-batch gradient descent) to the callbacks set with
``set_callbacks``, e.g. :class:`sklearn.callback.ProgressBar` or
:class:`sklearn.callback.ScoringMonitor`; a callback's ``on_fit_task_end``
returning True stops training after that epoch. On older scikit-learn the
estimators work as before and ``set_callbacks`` explains what is missing.
"""

try:
    from sklearn.callback import CallbackSupportMixin, with_callbacks

    HAS_CALLBACKS = True
except ImportError:  # scikit-learn < 1.9
    HAS_CALLBACKS = False

    class _NullContext:
        """Stands in for a callback context when there are no callbacks."""

        def subcontext(self, **kwargs):
            return self

        def call_on_fit_task_begin(self, **kwargs):
            return self

        def call_on_fit_task_end(self, **kwargs):
            return False

    class CallbackSupportMixin:
        """Without ``sklearn.callback``: no callbacks, and a clear message."""

        def set_callbacks(self, *callbacks):
            raise ImportError(
                "set_callbacks needs scikit-learn >= 1.9 (sklearn.callback); "
                "upgrade scikit-learn to use callbacks."
            )

        def _init_callback_context(self, task_name="fit", max_subtasks=0, **kwargs):
            return _NullContext()

    def with_callbacks(method):
        return method


class EpochReporter:
    """Reports one callback sub-task per epoch (or iteration) of a fit.

    Parameters
    ----------
    context : CallbackContext
        The fit's root callback context.
    estimator : estimator instance
        The estimator being fitted.
    X, y, metadata :
        The training data passed on to the callbacks.
    reconstruct : callable
        ``reconstruct() -> dict`` of fitted attributes describing the model
        now, from which a callback gets a ready-to-predict estimator.
    task_name : str, default="epoch"
        Name of the sub-tasks.
    """

    def __init__(self, context, estimator, X, y, metadata, reconstruct, task_name):
        self.context = context
        self.estimator = estimator
        self.kwargs = {"X": X, "y": y, "metadata": metadata}
        self.reconstruct = reconstruct
        self.task_name = task_name
        self._task = None

    def begin(self):
        """Start the next sub-task."""
        self._task = self.context.subcontext(task_name=self.task_name)
        self._task.call_on_fit_task_begin(
            estimator=self.estimator,
            reconstruction_attributes=self.reconstruct,
            **self.kwargs,
        )

    def end(self, *args):
        """End the current sub-task; True if a callback asks to stop."""
        task, self._task = self._task, None
        if task is None:
            return False
        return bool(
            task.call_on_fit_task_end(
                estimator=self.estimator,
                reconstruction_attributes=self.reconstruct,
                **self.kwargs,
            )
        )

    def close(self):
        """End a sub-task that was begun but never ran (after L-BFGS returns)."""
        task, self._task = self._task, None
        if task is not None:
            task.call_on_fit_task_end(estimator=self.estimator)


__all__ = ["HAS_CALLBACKS", "CallbackSupportMixin", "EpochReporter", "with_callbacks"]
