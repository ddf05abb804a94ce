"""Out-of-core training with skbackprop.streaming.fit_stream."""

import tracemalloc

import numpy as np
import pytest

from skbackprop import BackpropClassifier, LogisticRegressionGD
from skbackprop.streaming import fit_stream

rng = np.random.default_rng(0)
X = rng.normal(size=(1200, 6))
y = (X[:, 0] - X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
CLASSES = np.unique(y)


def models():
    return [
        BackpropClassifier((8,), learning_rate_init=0.01, random_state=0),
        BackpropClassifier((8,), solver="sgd", random_state=0),
        LogisticRegressionGD(solver="sgd", random_state=0),
    ]


def by_hand(est, chunk_size, n_epochs, seed):
    """In-memory partial_fit over the same chunks in the same order."""
    starts = np.arange(0, len(y), chunk_size)
    order = np.arange(len(starts))
    order_rng = np.random.RandomState(seed)
    first = True
    for _ in range(n_epochs):
        order_rng.shuffle(order)
        for i in order:
            sl = slice(starts[i], starts[i] + chunk_size)
            est.partial_fit(X[sl], y[sl], **({"classes": CLASSES} if first else {}))
            first = False
    return est


def params(est):
    if isinstance(est, BackpropClassifier):
        return est.coefs_ + est.intercepts_
    return [est.coef_, est.intercept_]


@pytest.mark.parametrize("make", range(3))
def test_equals_in_memory_partial_fit(make):
    streamed = models()[make]
    report = fit_stream(
        streamed, (X, y), classes=CLASSES, chunk_size=150, n_epochs=3, random_state=7
    )
    expected = by_hand(models()[make], 150, 3, 7)
    for a, b in zip(params(streamed), params(expected)):
        np.testing.assert_array_equal(a, b)
    assert (report.n_chunks, report.n_epochs, report.n_samples_seen) == (8, 3, 3600)


def test_dask_array_gives_the_same_model():
    da = pytest.importorskip("dask.array")
    Xd = da.from_array(X, chunks=(150, 6))
    yd = da.from_array(y, chunks=100)  # other chunks: realigned on X's
    a = fit_stream(models()[0], (Xd, yd), classes=CLASSES, n_epochs=2, random_state=3)
    b = fit_stream(
        models()[0], (X, y), classes=CLASSES, chunk_size=150, n_epochs=2, random_state=3
    )
    for p, q in zip(params(a.estimator), params(b.estimator)):
        np.testing.assert_array_equal(p, q)


def test_chunk_sources_and_validation(capsys):
    chunks = [(X[i : i + 200], y[i : i + 200]) for i in range(0, 1000, 200)]
    weighted = [(Xc, yc, np.ones(len(yc))) for Xc, yc in chunks]
    a = fit_stream(
        models()[0],
        chunks,
        classes=CLASSES,
        n_epochs=4,
        random_state=0,
        validation=(X[1000:], y[1000:]),
        verbose=True,
    )
    b = fit_stream(
        models()[0], lambda: iter(weighted), classes=CLASSES, n_epochs=4, random_state=0
    )
    for p, q in zip(params(a.estimator), params(b.estimator)):
        np.testing.assert_array_equal(p, q)
    scores = a.validation_scores
    assert len(scores) == 4 and scores[-1] > scores[0] + 0.1  # it learns
    out = capsys.readouterr().out
    assert out.count("epoch") == 4 and "validation score" in out
    # without shuffling the order is the given one, every epoch
    c = fit_stream(models()[0], chunks, classes=CLASSES, shuffle_chunks=False)
    d = by_hand_ordered(models()[0], chunks)
    for p, q in zip(params(c.estimator), params(d)):
        np.testing.assert_array_equal(p, q)


def by_hand_ordered(est, chunks):
    for k, (Xc, yc) in enumerate(chunks):
        est.partial_fit(Xc, yc, **({"classes": CLASSES} if k == 0 else {}))
    return est


def test_memmap_larger_than_a_chunk_keeps_memory_bounded(tmp_path):
    n, p, chunk = 200_000, 20, 2_000  # 32 MB on disk, 320 kB per chunk
    path = tmp_path / "X.dat"
    big = np.memmap(path, dtype=np.float64, mode="w+", shape=(n, p))
    for start in range(0, n, 50_000):
        block = np.random.default_rng(start).normal(size=(50_000, p))
        big[start : start + 50_000] = block
    big.flush()
    labels = np.asarray(big[:, 0] > 0, dtype=int)  # 1.6 MB in memory
    X_map = np.memmap(path, dtype=np.float64, mode="r", shape=(n, p))
    est = BackpropClassifier((8,), random_state=0)
    tracemalloc.start()
    fit_stream(est, (X_map, labels), classes=[0, 1], chunk_size=chunk, random_state=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    chunk_bytes = chunk * p * 8
    assert peak < 8 * chunk_bytes, f"peak {peak} bytes for chunks of {chunk_bytes}"
    assert peak < n * p * 8 / 10  # far below the data's size
    assert est.score(np.asarray(X_map[:5000]), labels[:5000]) > 0.9


def test_bad_input():
    est = models()[0]
    with pytest.raises(ValueError, match="classes is required"):
        fit_stream(est, (X, y), classes=None, chunk_size=10)
    with pytest.raises(ValueError, match="chunk_size is required"):
        fit_stream(est, (X, y), classes=CLASSES)
    with pytest.raises(ValueError, match="same number of rows"):
        fit_stream(est, (X, y[:-1]), classes=CLASSES, chunk_size=10)
    with pytest.raises(ValueError, match="n_epochs"):
        fit_stream(est, (X, y), classes=CLASSES, chunk_size=10, n_epochs=0)
    with pytest.raises(TypeError, match="chunk must be a tuple"):
        fit_stream(est, [X], classes=CLASSES)
    with pytest.raises(TypeError, match="data must be"):
        fit_stream(est, 42, classes=CLASSES)
    with pytest.raises(ValueError, match="chunk 0: X has 5 rows but y has 4"):
        fit_stream(est, [(X[:5], y[:4])], classes=CLASSES)
    with pytest.raises(TypeError, match="no partial_fit"):
        fit_stream(
            BackpropClassifier(solver="lbfgs"), (X, y), classes=CLASSES, chunk_size=10
        )
    with pytest.raises(ValueError, match="no chunks"):
        fit_stream(est, [], classes=CLASSES)
