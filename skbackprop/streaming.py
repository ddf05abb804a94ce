"""Out-of-core training: stream chunks of data through ``partial_fit``.

When the data do not fit in memory, train on one chunk at a time:
:func:`fit_stream` takes a pair of arrays read chunk by chunk (a dask array
block by block, a NumPy array or memory map ``chunk_size`` rows at a time), a
sequence of chunks or of functions loading one, or a stream of chunks, and
calls the estimator's ``partial_fit`` on each chunk, for several epochs,
visiting the chunks in a new random order every epoch. Only the chunk being
trained on is read into memory. Dask is imported only when a dask array is
given.
"""

import inspect
import numbers
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import is_classifier
from sklearn.metrics import check_scoring
from sklearn.utils import _safe_indexing, check_random_state, check_scalar


@dataclass
class StreamReport:
    """What :func:`fit_stream` did.

    Attributes
    ----------
    estimator : estimator
        The estimator, trained in place.
    n_epochs : int
        Passes over the chunks completed.
    n_chunks : int or None
        Chunks per epoch; for a stream, known once its first epoch is over.
    n_chunks_seen : int
        ``partial_fit`` calls over all epochs.
    n_samples_seen : int
        Samples given to ``partial_fit`` over all epochs.
    validation_scores : list of float
        The validation score after each epoch (empty without ``validation``).
    """

    estimator: object
    n_epochs: int = 0
    n_chunks: int | None = None
    n_chunks_seen: int = 0
    n_samples_seen: int = 0
    validation_scores: list = field(default_factory=list)


def _is_dask(a):
    return type(a).__module__.startswith("dask.")


def _is_dask_array(a):
    return _is_dask(a) and hasattr(a, "blocks")


def _n_rows(a):
    return a.shape[0] if hasattr(a, "shape") else len(a)


def _dask_loaders(X, y, w, chunk_size):
    """One loader per row block of the dask array ``X``; y and w follow X's blocks."""
    if chunk_size is not None:
        X = X.rechunk({0: chunk_size})
    rows = X.chunks[0]
    if any(np.isnan(rows)):
        raise ValueError(
            "X has unknown chunk sizes; call X.compute_chunk_sizes() first "
            "(or give a dask DataFrame as X.to_dask_array(lengths=True))."
        )
    starts = np.cumsum((0, *rows))
    others = [a.rechunk({0: rows}) if _is_dask_array(a) else a for a in (y, w)]

    def loader(i):
        def load():
            import dask  # only ever reached with a dask array in hand

            rows_i = slice(starts[i], starts[i + 1])
            parts = [X.blocks[i]]
            for a in others:
                if a is None or _is_dask_array(a):
                    parts.append(None if a is None else a.blocks[i])
                else:
                    parts.append(_safe_indexing(a, rows_i))
            # one compute: X's block is read once even when y is derived from it
            lazy = [p for p in parts if _is_dask_array(p)]
            computed = iter(dask.compute(*lazy))
            return tuple(next(computed) if _is_dask_array(p) else p for p in parts)

        return load

    return [loader(i) for i in range(len(rows))]


def _array_loaders(X, y, w, chunk_size):
    """One loader per chunk of rows of the arrays ``X``, ``y`` and ``w``."""
    if chunk_size is not None:
        check_scalar(chunk_size, "chunk_size", numbers.Integral, min_val=1)
    if _is_dask(X) and not _is_dask_array(X):
        raise TypeError(
            f"{type(X).__name__} is not a dask array; give a dask DataFrame as "
            "X.to_dask_array(lengths=True)."
        )
    lengths = [_n_rows(a) for a in (X, y, w) if a is not None]
    if len(set(lengths)) > 1 and not any(np.isnan(lengths)):
        raise ValueError(
            "X, y (and sample_weight) must have the same number of rows; got "
            + ", ".join(map(str, lengths))
            + "."
        )
    if _is_dask_array(X):
        return _dask_loaders(X, y, w, chunk_size)
    if chunk_size is None:
        raise ValueError("chunk_size is required to stream from arrays.")

    def loader(start):
        def load():
            # A memory map's rows come as a view the OS pages in (and out
            # again); partial_fit reads them without keeping them.
            rows = slice(start, start + chunk_size)
            return tuple(
                None if a is None else _safe_indexing(a, rows) for a in (X, y, w)
            )

        return load

    return [loader(start) for start in range(0, lengths[0], chunk_size)]


def _unpack(item, k):
    """``(X, y, w)`` from a chunk ``(X, y)`` or ``(X, y, w)``, or a loader of one."""
    if callable(item):
        item = item()
    if not isinstance(item, (tuple, list)) or len(item) not in (2, 3):
        raise TypeError(
            f"chunk {k} must be a tuple (X, y) or (X, y, sample_weight), or a "
            f"function returning one; got {type(item).__name__}."
        )
    X, y, *w = item
    return X, y, (w[0] if w else None)


def _source(data, sample_weight, chunk_size, n_epochs):
    """``(loaders, None)`` for chunks in any order, ``(None, open)`` for a stream.

    ``loaders[i]()`` reads chunk ``i``; ``open()`` starts one pass of a stream.
    """
    if isinstance(data, tuple) and len(data) == 2 and hasattr(data[0], "shape"):
        X, y = data
        return _array_loaders(X, y, sample_weight, chunk_size), None
    if sample_weight is not None or chunk_size is not None:
        raise ValueError(
            "sample_weight and chunk_size go with (X, y) arrays; give chunks "
            "as (X, y, sample_weight) instead."
        )
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        return [lambda k=k: _unpack(data[k], k) for k in range(len(data))], None
    if callable(data):
        return None, data
    if isinstance(data, Iterator):
        if n_epochs > 1:
            raise ValueError(
                "an iterator gives its chunks once; for several epochs give a "
                "sequence of chunks or a function returning a new iterable."
            )
        return None, lambda: data
    try:
        iter(data)
    except TypeError:
        raise TypeError(
            "data must be (X, y) arrays, a sequence of (X, y[, sample_weight]) "
            "chunks or of functions loading one, or a function returning an "
            f"iterable of chunks; got {type(data).__name__}."
        ) from None
    return None, lambda: data


def _takes_classes(estimator):
    """Whether ``partial_fit`` wants every class on its first call: a classifier.

    Asked of scikit-learn's tags, or of the signature of ``partial_fit`` for an
    object without tags.
    """
    try:
        return is_classifier(estimator)
    except AttributeError:
        return "classes" in inspect.signature(estimator.partial_fit).parameters


def fit_stream(
    estimator,
    data,
    *,
    classes=None,
    chunk_size=None,
    sample_weight=None,
    n_epochs=1,
    shuffle_chunks=True,
    random_state=None,
    validation=None,
    scoring=None,
    verbose=0,
    callback=None,
):
    """Train ``estimator`` on chunks of data, one ``partial_fit`` call per chunk.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``
        E.g. :class:`~skbackprop.BackpropClassifier` with a stochastic solver,
        or :class:`~skbackprop.LogisticRegressionGD` with ``solver="sgd"`` or
        ``"adam"``. Trained in place; an already fitted one trains further.
    data : tuple (X, y), sequence, callable or iterator
        Where the chunks come from:

        - ``(X, y)`` arrays: a dask array is read block by block along its
          row chunks, computing one block at a time (``y`` may be a dask or
          a NumPy array); a NumPy array, ``np.memmap``, sparse matrix or
          anything else sliceable by rows is read ``chunk_size`` rows at a
          time.
        - A sequence of chunks ``(X, y)`` or ``(X, y, sample_weight)``, or of
          functions returning one: each is read when visited, so functions
          that load a file keep one chunk in memory.
        - A stream: a callable returning an iterable of chunks, called once
          per epoch, or an iterator (one epoch only). A stream's chunks come
          in its own order: pass ``shuffle_chunks=False``.
    classes : array-like of shape (n_classes,), default=None
        Every class of the whole data, given to the first ``partial_fit``
        call. Required for a classifier unless it is already fitted; not for
        a regressor.
    chunk_size : int, default=None
        Rows per chunk for ``(X, y)`` arrays; required for NumPy arrays. A
        dask array keeps its own row chunks unless given one.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights, with ``(X, y)`` arrays.
    n_epochs : int, default=1
        Passes over all the chunks.
    shuffle_chunks : bool, default=True
        Visit the chunks in a new random order every epoch (the rows inside a
        chunk are shuffled by ``partial_fit`` itself).
    random_state : int, RandomState instance or None, default=None
        Seeds the chunk order.
    validation : tuple (X_val, y_val) or (X_val, y_val, sample_weight_val), \
default=None
        A held-out chunk, scored after every epoch.
    scoring : str or callable, default=None
        How to score the validation chunk, as in scikit-learn's searches;
        None uses the estimator's ``score`` method.
    verbose : int, default=0
        Print a line after every epoch (1) and after every chunk (2).
    callback : callable, default=None
        Called as ``callback(report)`` after every epoch, with the
        :class:`StreamReport` so far; returning True stops training.

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
            "and BackpropRegressor use a stochastic solver; for "
            "LogisticRegressionGD 'sgd' or 'adam')."
        )
    takes_classes = _takes_classes(estimator)
    if takes_classes and classes is None and not hasattr(estimator, "classes_"):
        raise ValueError(
            "classes is required: the first partial_fit call needs every class."
        )
    if not takes_classes and classes is not None:
        raise ValueError(
            f"classes is for classifiers: {type(estimator).__name__}.partial_fit "
            "takes no classes."
        )
    check_scalar(n_epochs, "n_epochs", numbers.Integral, min_val=1)
    loaders, open_stream = _source(data, sample_weight, chunk_size, n_epochs)
    if open_stream is not None and shuffle_chunks:
        raise ValueError(
            "a stream gives its chunks in its own order: pass shuffle_chunks=False, "
            "or give a sequence of chunks (or of functions loading one)."
        )
    if loaders is not None and not loaders:
        raise ValueError("data has no chunks.")
    if validation is not None:
        if not isinstance(validation, (tuple, list)) or len(validation) not in (2, 3):
            raise ValueError(
                "validation must be (X_val, y_val) or (X_val, y_val, sample_weight)."
            )
        # the held-out chunk fits in memory: read it once
        validation = [np.asarray(v) if _is_dask_array(v) else v for v in validation]
        scorer = check_scoring(estimator, scoring)
    rng = check_random_state(random_state)
    fit_kwargs = {} if classes is None else {"classes": np.asarray(classes)}
    report = StreamReport(estimator, n_chunks=None if loaders is None else len(loaders))
    order = np.arange(0 if loaders is None else len(loaders))
    start = time.perf_counter()
    for epoch in range(1, n_epochs + 1):
        if loaders is None:
            stream = open_stream()
            try:
                stream = iter(stream)
            except TypeError:
                raise TypeError(
                    f"data() must return an iterable of chunks; got "
                    f"{type(stream).__name__}."
                ) from None
            chunks = ((k, _unpack(item, k)) for k, item in enumerate(stream))
        else:
            if shuffle_chunks:
                rng.shuffle(order)
            chunks = ((i, loaders[i]()) for i in order)
        n_chunks = 0
        for k, (X_c, y_c, w_c) in chunks:
            lengths = [_n_rows(a) for a in (X_c, y_c, w_c) if a is not None]
            if len(set(lengths)) > 1:
                raise ValueError(
                    f"chunk {k}: X, y (and sample_weight) have different numbers "
                    f"of rows: {', '.join(map(str, lengths))}."
                )
            estimator.partial_fit(X_c, y_c, sample_weight=w_c, **fit_kwargs)
            fit_kwargs = {}
            n_chunks += 1
            report.n_chunks_seen += 1
            report.n_samples_seen += lengths[0]
            if verbose > 1:
                print(
                    f"epoch {epoch}/{n_epochs}, chunk {n_chunks}/"
                    f"{report.n_chunks or '?'}: {lengths[0]} samples"
                )
            del X_c, y_c, w_c  # before the next chunk is read
        if n_chunks == 0:
            raise ValueError(
                f"data gave no chunks in epoch {epoch}"
                + ("." if epoch == 1 else "; data() must return a new iterable.")
            )
        report.n_chunks = n_chunks
        report.n_epochs = epoch
        line = f"epoch {epoch}/{n_epochs}: {report.n_samples_seen} samples seen"
        if validation is not None:
            X_val, y_val, *w_val = validation
            kwargs = {"sample_weight": w_val[0]} if w_val else {}
            score = float(scorer(estimator, X_val, y_val, **kwargs))
            report.validation_scores.append(score)
            line += f", validation score {score:.4f}"
        if verbose:
            print(f"{line}, {time.perf_counter() - start:.1f} s")
        if callback is not None and callback(report):
            break
    return report
