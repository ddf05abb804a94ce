"""What the estimators share around their fits."""


def fit_or_restore(estimator, fit, *args, max_subtasks, bridged):
    """Run ``fit(*args)``; if it raises, put every attribute back as it was.

    A failed fit (bad input, divergence, an exception from a callback) must
    leave an already fitted model exactly as it was. The estimators train on
    new arrays and commit their attributes only on success; this restores the
    few attributes set before a failure (``validate_data`` sets
    ``n_features_in_`` early, for one).

    The callback context is made first (``max_subtasks`` epochs or
    iterations, plus the empty one a solver bridge ends on when ``bridged``),
    so that the callbacks are torn down after a failure too.
    """
    estimator._init_callback_context(max_subtasks=max_subtasks + bool(bridged))
    snapshot = dict(estimator.__dict__)
    try:
        return fit(*args)
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(snapshot)
        raise
