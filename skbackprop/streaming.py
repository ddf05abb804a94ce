"""Out-of-core training: stream chunks of data through ``partial_fit``.

When the data do not fit in memory, train on one chunk at a time:
:func:`fit_stream` takes a dask array pair, a NumPy array or memory map read
chunk by chunk, or any re-iterable source of ``(X, y)`` or ``(X, y,
sample_weight)`` chunks, and calls the estimator's ``partial_fit`` on each,
for several epochs, visiting the chunks in a new random order every epoch.
Only one chunk is in memory at a time (two with a dask array computing the
next). Dask is imported only when a dask array is given.
"""

from dataclasses import dataclass, field

import numpy as np
from sklearn.utils import check_random_state


@dataclass
class StreamReport:
    """What :func:`fit_stream` did.

    Attributes
    ----------
    estimator : estimator
        The estimator, trained in place.
    n_epochs : int
        Passes over the chunks.
    n_chunks : int
        Chunks per epoch.
    n_samples_seen : int
        Samples given to ``partial_fit`` over all epochs.
    validation_scores : list of float
        The estimator's ``score`` on the validation chunk after each epoch
        (empty without a validation chunk).
    """

    estimator: object
    n_epochs: int = 0
    n_chunks: int = 0
    n_samples_seen: int = 0
    validation_scores: list = field(default_factory=list)


def _is_dask_array(a):
    return type(a).__module__.startswith("dask.") and hasattr(a, "blocks")


def _array_chunks(X, y, w, chunk_size):
    """Chunk factories over arrays: ``n`` callables each returning one chunk."""
    n = X.shape[0]
    if y.shape[0] != n or (w is not None and w.shape[0] != n):
        raise ValueError(
            f"X, y (and sample_weight) must have the same number of rows; got "
            f"{n}, {y.shape[0]}" + ("" if w is None else f" and {w.shape[0]}")
        )
    if _is_dask_array(X):
        rows = X.chunks[0]
        starts = np.cumsum((0, *rows))
        # y and w follow X's row chunks; each block is computed when needed
        y_blocks = y.rechunk({0: rows}) if _is_dask_array(y) else y
        w_blocks = w.rechunk({0: rows}) if _is_dask_array(w) else w

        def block(i):
            def load():
                sl = slice(starts[i], starts[i + 1])
                parts = [X.blocks[i]]
                for a in (y_blocks, w_blocks):
                    if a is None:
                        parts.append(None)
                    elif _is_dask_array(a):
                        parts.append(a.blocks[i])
                    else:
                        parts.append(np.asarray(a[sl]))
                import dask

                todo = [p for p in parts if _is_dask_array(p)]
                done = iter(dask.compute(*todo))
                return tuple(next(done) if _is_dask_array(p) else p for p in parts)

            return load

        return [block(i) for i in range(len(rows))]
    if chunk_size is None:
        raise ValueError("chunk_size is required to stream from arrays.")
    chunk_size = int(chunk_size)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}.")

    def piece(start):
        def load():
            sl = slice(start, min(start + chunk_size, n))
            # np.asarray copies a memory map's rows into memory, one chunk
            return (
                np.asarray(X[sl]),
                np.asarray(y[sl]),
                None if w is None else np.asarray(w[sl]),
            )

        return load

    return [piece(s) for s in range(0, n, chunk_size)]


def _source_chunks(source):
    """Chunk factories over a re-iterable source of chunks."""
    if callable(source):
        chunks = source()
    else:
        chunks = source
    try:
        items = list(chunks) if not isinstance(chunks, (list, tuple)) else chunks
    except TypeError:
        raise TypeError(
            "data must be (X, y) arrays, a sequence of (X, y[, sample_weight]) "
            f"chunks, or a callable returning an iterable of them; got "
            f"{type(source).__name__}."
        ) from None

    def wrap(item):
        def load():
            if not isinstance(item, (tuple, list)) or len(item) not in (2, 3):
                raise TypeError(
                    "each chunk must be a tuple (X, y) or (X, y, sample_weight)."
                )
            X, y, *w = item
            return X, y, (w[0] if w else None)

        return load

    return [wrap(item) for item in items]


def fit_stream(
    estimator,
    data,
    *,
    classes,
    chunk_size=None,
    sample_weight=None,
    n_epochs=1,
    shuffle_chunks=True,
    random_state=None,
    validation=None,
    verbose=False,
):
    """Train ``estimator`` on chunks of data with ``partial_fit``.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``
        E.g. :class:`~skbackprop.BackpropClassifier` with ``solver="adam"``,
        or :class:`~skbackprop.LogisticRegressionGD` with ``solver="sgd"``.
        Trained in place.
    data : tuple (X, y), sequence of chunks, or callable
        ``(X, y)``: arrays (NumPy arrays, ``np.memmap``, dask arrays); a dask
        array is read block by block along its row chunks, other arrays
        ``chunk_size`` rows at a time. Otherwise a sequence of ``(X, y)`` or
        ``(X, y, sample_weight)`` chunks, or a callable returning an iterable
        of them (called once).
    classes : array-like of shape (n_classes,)
        Every class of the whole data (``partial_fit`` needs them at once).
    chunk_size : int, default=None
        Rows per chunk for non-dask arrays.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights, with ``(X, y)`` arrays.
    n_epochs : int, default=1
        Passes over all the chunks.
    shuffle_chunks : bool, default=True
        Visit the chunks in a new random order every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the chunk order.
    validation : tuple (X_val, y_val), default=None
        A held-out chunk scored with ``estimator.score`` after every epoch.
    verbose : bool, default=False
        Print one line per epoch.

    Returns
    -------
    report : StreamReport
        The estimator and what was done, with the validation scores.

    Examples
    --------
    >>> import numpy as np
    >>> from skbackprop import BackpropClassifier
    >>> from skbackprop.streaming import fit_stream
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 4))
    >>> y = (X[:, 0] + X[:, 1] > 0).astype(int)
    >>> clf = BackpropClassifier((8,), learning_rate_init=0.01, random_state=0)
    >>> report = fit_stream(clf, (X[:800], y[:800]), classes=[0, 1], chunk_size=100,
    ...                     n_epochs=5, random_state=0, validation=(X[800:], y[800:]))
    >>> report.n_chunks, report.n_samples_seen
    (8, 4000)
    >>> report.validation_scores[-1] > 0.9
    True
    """
    if not hasattr(estimator, "partial_fit"):
        raise TypeError(
            f"{type(estimator).__name__} has no partial_fit (for BackpropClassifier "
            "use a stochastic solver; for LogisticRegressionGD 'sgd' or 'adam')."
        )
    if classes is None:
        raise ValueError("classes is required: partial_fit needs every class.")
    n_epochs = int(n_epochs)
    if n_epochs < 1:
        raise ValueError(f"n_epochs must be >= 1, got {n_epochs}.")
    if isinstance(data, tuple) and len(data) == 2 and hasattr(data[0], "shape"):
        X, y = data
        loaders = _array_chunks(X, y, sample_weight, chunk_size)
    else:
        if sample_weight is not None:
            raise ValueError(
                "sample_weight goes with (X, y) arrays; give chunks as "
                "(X, y, sample_weight) instead."
            )
        loaders = _source_chunks(data)
    if not loaders:
        raise ValueError("data has no chunks.")
    rng = check_random_state(random_state)
    classes = np.asarray(classes)
    report = StreamReport(estimator, n_chunks=len(loaders))
    order = np.arange(len(loaders))
    first = True
    for epoch in range(n_epochs):
        if shuffle_chunks:
            rng.shuffle(order)
        for i in order:
            X_c, y_c, w_c = loaders[i]()
            if len(X_c) != len(y_c):
                raise ValueError(
                    f"chunk {i}: X has {len(X_c)} rows but y has {len(y_c)}."
                )
            kwargs = {"classes": classes} if first else {}
            estimator.partial_fit(X_c, y_c, sample_weight=w_c, **kwargs)
            first = False
            report.n_samples_seen += len(y_c)
        report.n_epochs = epoch + 1
        line = f"epoch {epoch + 1}/{n_epochs}: {report.n_samples_seen} samples seen"
        if validation is not None:
            score = float(estimator.score(*validation))
            report.validation_scores.append(score)
            line += f", validation score {score:.4f}"
        if verbose:
            print(line)
    return report
