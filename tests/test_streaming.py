"""Out-of-core training with skbackprop.streaming.fit_stream."""

import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

from skbackprop import BackpropClassifier, LogisticRegressionGD
from skbackprop.streaming import fit_stream

rng = np.random.default_rng(0)
X = rng.normal(size=(1200, 6))
y = (X[:, 0] - X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
CLASSES = np.unique(y)
MODELS = {
    "mlp-adam": lambda: BackpropClassifier(
        (8,), learning_rate_init=0.01, random_state=0
    ),
    "mlp-sgd": lambda: BackpropClassifier((8,), solver="sgd", random_state=0),
    "logistic-sgd": lambda: LogisticRegressionGD(solver="sgd", random_state=0),
    "logistic-adam": lambda: LogisticRegressionGD(solver="adam", random_state=0),
}


def mlp():
    return MODELS["mlp-adam"]()


def params(est):
    if hasattr(est, "coefs_"):
        return est.coefs_ + est.intercepts_
    return [est.coef_, est.intercept_]


def assert_same_model(a, b):
    for p, q in zip(params(a), params(b), strict=True):
        np.testing.assert_array_equal(p, q)


def by_hand(est, chunks, order):
    """In-memory partial_fit over ``chunks`` visited in ``order``."""
    for k, i in enumerate(order):
        est.partial_fit(*chunks[i][:2], **({"classes": CLASSES} if k == 0 else {}))
    return est


def shuffled_orders(n_chunks, n_epochs, seed):
    rs = np.random.RandomState(seed)
    order, orders = np.arange(n_chunks), []
    for _ in range(n_epochs):
        rs.shuffle(order)
        orders.extend(order)
    return orders


def row_chunks(a, b, size):
    return [(a[i : i + size], b[i : i + size]) for i in range(0, len(b), size)]


class Recorder:
    """A stand-in estimator: records what partial_fit was given, in a log."""

    def __init__(self, log):
        self.log = log

    def partial_fit(self, X, y, sample_weight=None, classes=None):
        self.log.append(("fit", len(y), sample_weight is not None, classes is not None))
        return self


@pytest.mark.parametrize("make", MODELS.values(), ids=MODELS.keys())
def test_equals_in_memory_partial_fit(make):
    streamed = make()
    report = fit_stream(
        streamed, (X, y), classes=CLASSES, chunk_size=150, n_epochs=3, random_state=7
    )
    expected = by_hand(make(), row_chunks(X, y, 150), shuffled_orders(8, 3, 7))
    assert_same_model(streamed, expected)
    assert (report.n_chunks, report.n_epochs) == (8, 3)
    assert (report.n_chunks_seen, report.n_samples_seen) == (24, 3600)


def test_dask_arrays_give_the_same_model():
    da = pytest.importorskip("dask.array")
    Xd = da.from_array(X, chunks=(150, 3))  # column blocks are joined per row block
    yd = da.from_array(y, chunks=100)  # other row chunks: realigned on X's
    expected = fit_stream(
        mlp(), (X, y), classes=CLASSES, chunk_size=150, n_epochs=2, random_state=3
    ).estimator
    for data in [(Xd, yd), (Xd, y)]:
        got = fit_stream(mlp(), data, classes=CLASSES, n_epochs=2, random_state=3)
        assert got.n_chunks == 8
        assert_same_model(got.estimator, expected)
    # chunk_size re-chunks a dask array
    rechunked = fit_stream(
        mlp(),
        (da.from_array(X, chunks=(400, 6)), yd),
        classes=CLASSES,
        chunk_size=150,
        n_epochs=2,
        random_state=3,
    )
    assert_same_model(rechunked.estimator, expected)


def test_sequences_read_each_chunk_when_visited():
    chunks = row_chunks(X, y, 200)
    log = []

    def loader(i):
        def load():
            log.append(("load", i))
            return chunks[i]

        return load

    loaders = [loader(i) for i in range(len(chunks))]
    a = fit_stream(mlp(), loaders, classes=CLASSES, n_epochs=3, random_state=1)
    b = fit_stream(mlp(), chunks, classes=CLASSES, n_epochs=3, random_state=1)
    c = fit_stream(
        mlp(), (X, y), classes=CLASSES, chunk_size=200, n_epochs=3, random_state=1
    )
    assert_same_model(a.estimator, b.estimator)
    assert_same_model(a.estimator, c.estimator)
    assert log == [("load", i) for i in shuffled_orders(6, 3, 1)]
    # one at a time, interleaved with partial_fit
    log.clear()
    fit_stream(Recorder(log), loaders, classes=CLASSES, shuffle_chunks=False)
    assert [e[0] for e in log] == ["load", "fit"] * 6
    assert [e[3] for e in log if e[0] == "fit"] == [True] + [False] * 5


def test_streams_are_read_lazily_once_per_epoch():
    chunks = row_chunks(X, y, 200)
    log = []

    def read():
        log.append("open")
        for Xc, yc in chunks:
            log.append("load")
            yield Xc, yc, np.ones(len(yc))

    est = Recorder(log)
    report = fit_stream(est, read, classes=CLASSES, n_epochs=2, shuffle_chunks=False)
    assert [e if isinstance(e, str) else e[0] for e in log] == (
        ["open"] + ["load", "fit"] * 6
    ) * 2
    assert all(e[2] for e in log if e[0] == "fit")  # the weights were passed
    assert (report.n_chunks, report.n_epochs, report.n_samples_seen) == (6, 2, 2400)
    # a real model: the same as partial_fit over the chunks in their order
    streamed = fit_stream(
        mlp(), lambda: iter(chunks), classes=CLASSES, n_epochs=2, shuffle_chunks=False
    )
    assert_same_model(streamed.estimator, by_hand(mlp(), chunks, list(range(6)) * 2))
    # an iterator is one epoch
    once = fit_stream(mlp(), iter(chunks), classes=CLASSES, shuffle_chunks=False)
    assert_same_model(once.estimator, by_hand(mlp(), chunks, range(6)))


def test_epochs_and_chunk_order_reproducible():
    def run(**kwargs):
        kwargs = {"classes": CLASSES, "chunk_size": 100, "n_epochs": 3, **kwargs}
        return fit_stream(mlp(), (X, y), **kwargs).estimator

    assert_same_model(run(random_state=5), run(random_state=5))
    seeded = np.random.RandomState(5)
    assert_same_model(run(random_state=seeded), run(random_state=5))
    other = run(random_state=6)
    assert not np.array_equal(other.coefs_[0], run(random_state=5).coefs_[0])
    in_order = run(shuffle_chunks=False)
    expected = by_hand(mlp(), row_chunks(X, y, 100), list(range(12)) * 3)
    assert_same_model(in_order, expected)


def test_validation_scores_progress_and_callback(capsys):
    val = (X[1000:], y[1000:])
    train = (X[:1000], y[:1000])
    report = fit_stream(
        mlp(),
        train,
        classes=CLASSES,
        chunk_size=200,
        n_epochs=4,
        random_state=0,
        validation=val,
        verbose=2,
    )
    scores = report.validation_scores
    assert len(scores) == 4 and scores[-1] > scores[0] + 0.1  # it learns
    assert scores[-1] == report.estimator.score(*val)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 * 6
    assert lines[0] == "epoch 1/4, chunk 1/5: 200 samples"
    assert lines[5].startswith("epoch 1/4: 1000 samples seen, validation score 0.")
    # a scorer, weights in the validation chunk, and a callback that stops
    seen = []

    def stop_after_two(report):
        seen.append(report.n_epochs)
        return report.n_epochs == 2

    weights = np.where(val[1] == 0, 1.0, 0.0)
    report = fit_stream(
        mlp(),
        train,
        classes=CLASSES,
        chunk_size=200,
        n_epochs=5,
        validation=(*val, weights),
        scoring="neg_log_loss",
        callback=stop_after_two,
    )
    assert seen == [1, 2] and report.n_epochs == 2
    assert len(report.validation_scores) == 2
    assert all(s < 0 for s in report.validation_scores)
    assert capsys.readouterr().out == ""


class Dataset:
    """Reads rows from storage when sliced, as h5py's and zarr's arrays do."""

    def __init__(self, stored):
        self.stored, self.shape, self.reads = stored, stored.shape, []

    def __getitem__(self, rows):
        self.reads.append(rows[0] if isinstance(rows, tuple) else rows)
        return np.array(self.stored[rows])


def test_sparse_dataframe_and_dataset_chunks():
    pd = pytest.importorskip("pandas")
    Xs = sp.csr_matrix(np.where(X > 0.5, X, 0.0))
    got = fit_stream(
        mlp(), (Xs, y), classes=CLASSES, chunk_size=300, n_epochs=2, random_state=0
    )
    expected = by_hand(mlp(), row_chunks(Xs, y, 300), shuffled_orders(4, 2, 0))
    assert_same_model(got.estimator, expected)
    dataset = Dataset(X)  # like an HDF5 or zarr dataset: reads on slicing
    fit_stream(
        mlp(), (dataset, y), classes=CLASSES, chunk_size=500, shuffle_chunks=False
    )
    assert dataset.reads == [slice(0, 500), slice(500, 1000), slice(1000, 1500)]
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(6)])
    got = fit_stream(mlp(), (frame, pd.Series(y)), classes=CLASSES, chunk_size=300)
    assert list(got.estimator.feature_names_in_) == list(frame.columns)


def test_fitted_estimator_trains_further_without_classes():
    est = mlp().partial_fit(X[:100], y[:100], classes=CLASSES)
    fit_stream(est, (X[100:], y[100:]), chunk_size=500, shuffle_chunks=False)
    expected = mlp().partial_fit(X[:100], y[:100], classes=CLASSES)
    for start in [100, 600, 1100]:
        expected.partial_fit(X[start : start + 500], y[start : start + 500])
    assert_same_model(est, expected)


def peak_memory_of_fit_stream(X_big, y_big, chunk, **kwargs):
    """Peak traced memory (bytes) of fit_stream over (X_big, y_big), and the model.

    A first run on two chunks does the imports and one-off set-ups, which
    would otherwise count.
    """
    fit_stream(mlp(), (X_big[: 2 * chunk], y_big[: 2 * chunk]), **kwargs)
    est = BackpropClassifier((8,), random_state=0)
    tracemalloc.start()
    try:
        fit_stream(est, (X_big, y_big), **kwargs)
        return tracemalloc.get_traced_memory()[1], est
    finally:
        tracemalloc.stop()


def test_memmap_larger_than_a_chunk_keeps_memory_bounded(tmp_path):
    n, p, chunk = 200_000, 20, 4_000  # 32 MB on disk, 640 kB per chunk
    path = tmp_path / "X.dat"
    big = np.memmap(path, dtype=np.float64, mode="w+", shape=(n, p))
    for start in range(0, n, 50_000):
        block = np.random.default_rng(start).normal(size=(50_000, p))
        big[start : start + 50_000] = block
    big.flush()
    labels = np.asarray(big[:, 0] > 0, dtype=int)  # 1.6 MB in memory
    del big, block
    X_map = np.memmap(path, dtype=np.float64, mode="r", shape=(n, p))
    peak, est = peak_memory_of_fit_stream(
        X_map, labels, chunk, classes=[0, 1], chunk_size=chunk, random_state=0
    )
    chunk_bytes = chunk * p * 8
    assert peak < 5 * chunk_bytes, f"peak {peak} bytes for chunks of {chunk_bytes}"
    assert est.score(np.asarray(X_map[:5000]), labels[:5000]) > 0.9


def test_dask_array_larger_than_a_chunk_keeps_memory_bounded():
    da = pytest.importorskip("dask.array")
    n, p, chunk = 200_000, 20, 4_000  # 32 MB, never all computed; 640 kB a block
    X_lazy = da.random.default_rng(0).normal(size=(n, p), chunks=(chunk, p))
    y_lazy = (X_lazy[:, 0] > 0).astype(int)  # computed with X's block, not again
    peak, est = peak_memory_of_fit_stream(
        X_lazy, y_lazy, chunk, classes=[0, 1], random_state=0
    )
    chunk_bytes = chunk * p * 8
    assert peak < 5 * chunk_bytes, f"peak {peak} bytes for chunks of {chunk_bytes}"
    X_test = X_lazy[:5000].compute()
    assert est.score(X_test, X_test[:, 0] > 0) > 0.9


def test_dask_is_imported_only_for_dask_arrays():
    code = (
        "import sys, numpy as np, skbackprop, skbackprop.streaming as s\n"
        "from skbackprop import BackpropClassifier\n"
        "X = np.random.default_rng(0).normal(size=(40, 2)); y = X[:, 0] > 0\n"
        "s.fit_stream(BackpropClassifier((2,), max_iter=1), (X, y),"
        " classes=[False, True], chunk_size=10)\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in"
        " ('dask', 'distributed')], 'dask imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


class NotADaskArray:
    __module__ = "dask.dataframe.core"
    shape = (10, 2)


def test_bad_input():
    est = mlp()
    with pytest.raises(ValueError, match="classes is required"):
        fit_stream(est, (X, y), chunk_size=10)
    with pytest.raises(ValueError, match="chunk_size is required"):
        fit_stream(est, (X, y), classes=CLASSES)
    with pytest.raises(ValueError, match="chunk_size == 0, must be >= 1"):
        fit_stream(est, (X, y), classes=CLASSES, chunk_size=0)
    with pytest.raises(ValueError, match=r"same number of rows; got 1200, 1199\."):
        fit_stream(est, (X, y[:-1]), classes=CLASSES, chunk_size=10)
    with pytest.raises(ValueError, match="got 1200, 1200, 3"):
        fit_stream(est, (X, y), classes=CLASSES, chunk_size=10, sample_weight=[1] * 3)
    with pytest.raises(ValueError, match="n_epochs == 0, must be >= 1"):
        fit_stream(est, (X, y), classes=CLASSES, chunk_size=10, n_epochs=0)
    with pytest.raises(TypeError, match="n_epochs must be an instance of int"):
        fit_stream(est, (X, y), classes=CLASSES, chunk_size=10, n_epochs=1.5)
    with pytest.raises(TypeError, match="chunk 0 must be a tuple"):
        fit_stream(est, [X], classes=CLASSES)
    with pytest.raises(TypeError, match="data must be"):
        fit_stream(est, 42, classes=CLASSES)
    with pytest.raises(TypeError, match="must return an iterable"):
        fit_stream(est, lambda: 42, classes=CLASSES, shuffle_chunks=False)
    with pytest.raises(
        ValueError, match=r"chunk 0: .* different numbers of rows: 5, 4"
    ):
        fit_stream(est, [(X[:5], y[:4])], classes=CLASSES)
    with pytest.raises(ValueError, match="rows: 5, 5, 2"):
        fit_stream(est, [(X[:5], y[:5], [1, 1])], classes=CLASSES)
    with pytest.raises(TypeError, match="no partial_fit"):
        fit_stream(
            BackpropClassifier(solver="lbfgs"), (X, y), classes=CLASSES, chunk_size=10
        )
    with pytest.raises(ValueError, match="no chunks"):
        fit_stream(est, [], classes=CLASSES)
    with pytest.raises(ValueError, match="no chunks in epoch 2; data"):
        once = iter(row_chunks(X, y, 600))
        fit_stream(est, lambda: once, classes=CLASSES, n_epochs=2, shuffle_chunks=False)
    with pytest.raises(ValueError, match="shuffle_chunks=False"):
        fit_stream(est, lambda: iter([]), classes=CLASSES)
    with pytest.raises(ValueError, match="an iterator gives its chunks once"):
        fit_stream(est, iter([]), classes=CLASSES, n_epochs=2)
    with pytest.raises(ValueError, match=r"go with \(X, y\) arrays"):
        fit_stream(est, [(X, y)], classes=CLASSES, chunk_size=10)
    with pytest.raises(ValueError, match="validation must be"):
        fit_stream(est, [(X, y)], classes=CLASSES, validation=X)
    with pytest.raises(TypeError, match="to_dask_array"):
        fit_stream(est, (NotADaskArray(), y[:10]), classes=CLASSES, chunk_size=5)


def test_a_regressor_streams_without_classes():
    from skbackprop import BackpropRegressor

    target = X[:, 0] - 2 * X[:, 1] + 0.1 * rng.normal(size=len(X))
    chunks = row_chunks(X, target, 200)

    def model():
        return BackpropRegressor(
            hidden_layer_sizes=(8,), learning_rate_init=0.01, random_state=0
        )

    report = fit_stream(model(), chunks, n_epochs=3, shuffle_chunks=False,
                        validation=(X[:200], target[:200]))  # fmt: skip
    expected = model()
    for _ in range(3):
        for X_c, y_c in chunks:
            expected.partial_fit(X_c, y_c)
    assert_same_model(report.estimator, expected)
    assert len(report.validation_scores) == 3  # R^2, the regressor's score
    assert report.validation_scores[-1] > report.validation_scores[0]
    with pytest.raises(
        ValueError, match=r"classes is for classifiers: BackpropRegressor\.partial_fit"
    ):
        fit_stream(model(), chunks, classes=[0, 1])
