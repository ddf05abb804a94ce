"""Where the time of one training step goes: a per-phase profile of the hot loop.

Trains each case of ``bench_mlp.py`` (Adam, batches of 200, ``alpha=1e-4``)
twice from the same seed with the package's own loop,
:func:`skbackprop._training.run_epoch`, taking turns epoch by epoch: a plain
run, and a profiled run during whose epochs timing wrappers replace the
functions a step calls (the batch gathering of ``MiniBatches``,
``Network.loss_and_gradient``, the loss's ``sum_and_activate`` and ``delta``,
``Adam.update`` and every function of ``skbackprop.core.ops``). A phase is the
time inside its function less that of the timed calls it makes; the matrix
products are what remains of ``loss_and_gradient``. The plain run gives the
true step time, hence the wrappers' overhead, and both runs must end with
bit-identical weights. ``--numpy`` switches the compiled kernels of
``skbackprop.core.accel`` off.

Run from the repository root::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/profile_step.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/profile_step.py \
        --cases a32 --epochs 3 --numpy
"""

import argparse
import contextlib
import inspect
import math
import time

import numpy as np
from _common import digits, machine_facts, synthetic

from skbackprop._training import MiniBatches, run_epoch
from skbackprop.core import Adam, Network, accel, ops

CASES = {
    # name: (data, layer sizes, dtype, n_samples, epochs)
    "a32": ("synthetic", [784, 256, 10], np.float32, 20000, 15),
    "a64": ("synthetic", [784, 256, 10], np.float64, 20000, 9),
    "b": ("digits", [64, 100, 10], np.float64, None, 61),
    "c": ("synthetic", [784, 512, 512, 512, 10], np.float32, 10000, 5),
}
BATCH_SIZE = 200
ALPHA = 1e-4

# The phase each timed function stands for; a function of ``ops`` missing
# here is timed all the same, under its own name.
PHASES = {
    "MiniBatches.__iter__": "gather the batch (shuffle once per epoch)",
    "Network.loss_and_gradient": "matrix products (+ penalty dot, glue)",
    "SoftmaxLogLoss.sum_and_activate": "softmax exp and log, loss sum",
    "SoftmaxLogLoss.delta": "output delta",
    "Adam.update": "Adam step size",
    "ops.add_bias_activate": "bias add + activation",
    "ops.subtract_row_max": "softmax shift by the row maxima",
    "ops.normalize_rows": "softmax normalisation",
    "ops.log_loss_terms": "log-loss terms",
    "ops.activation_derivative": "activation derivative",
    "ops.bias_gradient": "bias gradient",
    "ops.finish_gradient": "gradient + alpha W, / n",
    "ops.sgd_step": "SGD pass",
    "ops.adam_step": "Adam pass",
    "run_epoch": "the loop (+ wrappers' bookkeeping)",
}


class PhaseTimer:
    """Time and calls of the functions it wraps, each under a name.

    A wrapped call counts for its name less the time of the wrapped calls
    made inside it, which count for theirs: the names' times add up to the
    time of the outermost calls. ``nested`` holds the names of the functions
    that made timed calls, whose own time is therefore a rest.
    """

    def __init__(self):
        self.seconds = {}
        self.calls = {}
        self.nested = set()
        self._inside = [0.0]  # per open call: the time of its timed callees

    def wrap(self, func, name):
        """``func``, timed under ``name``."""
        seconds, calls, nested = self.seconds, self.calls, self.nested
        inside, clock = self._inside, time.perf_counter
        seconds.setdefault(name, 0.0)
        calls.setdefault(name, 0)

        def timed(*args, **kwargs):
            inside.append(0.0)
            start = clock()
            try:
                return func(*args, **kwargs)
            finally:
                elapsed = clock() - start
                callees = inside.pop()
                if callees:
                    nested.add(name)
                seconds[name] += elapsed - callees
                inside[-1] += elapsed
                calls[name] += 1

        return timed


def timed_iteration(timer, iterate, name):
    """An ``__iter__`` that runs ``iterate`` and times each batch it yields."""

    def __iter__(batches):
        fetch = timer.wrap(next, name)
        batch_iterator = iterate(batches)
        while (batch := fetch(batch_iterator, None)) is not None:
            yield batch
        timer.calls[name] -= 1  # the call that ended the epoch gave no batch

    return __iter__


def step_functions(network, optimizer):
    """What a training step calls: ``(owner, attribute, name)`` triples."""
    loss, opt = type(network.loss).__name__, type(optimizer).__name__
    targets = [
        (MiniBatches, "__iter__", "MiniBatches.__iter__"),
        (Network, "loss_and_gradient", "Network.loss_and_gradient"),
        (type(network.loss), "sum_and_activate", f"{loss}.sum_and_activate"),
        (type(network.loss), "delta", f"{loss}.delta"),
        (type(optimizer), "update", f"{opt}.update"),
    ]
    for name, func in vars(ops).items():
        if inspect.isfunction(func) and func.__module__ == ops.__name__:
            targets.append((ops, name, f"ops.{name}"))
    return targets


@contextlib.contextmanager
def timing_wrappers(timer, network, optimizer):
    """Replace what a step calls by ``timer``'s wrappers; restore it on exit.

    ``network.py``, ``losses.py`` and ``optimizers.py`` call the passes as
    ``ops.<name>(...)``, so they see the module's wrapped attributes.
    """
    saved = []
    try:
        for owner, attribute, name in step_functions(network, optimizer):
            # None: inherited, not the owner's own attribute (deleted on exit)
            saved.append((owner, attribute, vars(owner).get(attribute)))
            func = getattr(owner, attribute)
            if attribute == "__iter__":
                wrapper = timed_iteration(timer, func, name)
            else:
                wrapper = timer.wrap(func, name)
            setattr(owner, attribute, wrapper)
        yield timer
    finally:
        for owner, attribute, original in reversed(saved):
            if original is None:
                delattr(owner, attribute)
            else:
                setattr(owner, attribute, original)


def make_run(X, Y, sizes, dtype):
    """Network, Adam and batches, all drawn from one seed as the estimator does."""
    rng = np.random.RandomState(0)
    network = Network(sizes, "relu", dtype=dtype)
    # MLPClassifier draws the output layer's weights for the hidden activation
    network.initialize(rng, activations=["relu"] * network.n_layers)
    batches = MiniBatches(X, Y, batch_size=BATCH_SIZE, shuffle=True, rng=rng)
    return network, Adam(network.params), batches


def train_in_turn(runs, epochs):
    """Train the runs epoch by epoch in turn, the profiled one under wrappers.

    Returns each run's seconds per epoch, the profiled run's
    :class:`PhaseTimer` per epoch, and each run's epoch losses.
    """
    seconds = {kind: [] for kind in runs}
    losses = {kind: [] for kind in runs}
    timers = []
    for epoch in range(epochs):
        # the first of each pair alternates
        for kind in sorted(runs, reverse=epoch % 2 == 1):
            network, optimizer, batches = runs[kind]
            wrappers = contextlib.nullcontext()
            if kind == "profiled":
                timers.append(PhaseTimer())
                wrappers = timing_wrappers(timers[-1], network, optimizer)
            with wrappers:
                start = time.perf_counter()
                loss = run_epoch(network, optimizer, batches, ALPHA)
                seconds[kind].append(time.perf_counter() - start)
            losses[kind].append(loss)
    return seconds, timers, losses


def profile(name, epochs=None):
    data, sizes, dtype, n, case_epochs = CASES[name]
    epochs = epochs or case_epochs
    if data == "synthetic":
        X, y, _, _ = synthetic(n, n_features=sizes[0], dtype=dtype)
    else:
        X, y, _, _ = digits(dtype)
    Y = np.eye(sizes[-1], dtype=dtype)[y]
    n = len(y)
    runs = {kind: make_run(X, Y, sizes, dtype) for kind in ("plain", "profiled")}
    originals = {
        (owner, attribute): vars(owner).get(attribute)
        for owner, attribute, _ in step_functions(*runs["plain"][:2])
    }
    # the first epoch of each run warms up (and compiles the kernels)
    seconds, timers, losses = train_in_turn(runs, epochs + 1)

    # The wrappers are gone, and changed nothing.
    for (owner, attribute), original in originals.items():
        assert vars(owner).get(attribute) is original, (owner, attribute)
    (plain_net, plain_opt, _), (profiled_net, profiled_opt, _) = runs.values()
    assert plain_opt.t == profiled_opt.t
    assert np.array_equal(plain_net.params, profiled_net.params)
    assert losses["plain"] == losses["profiled"]

    steps = plain_opt.t
    n_batches = math.ceil(n / BATCH_SIZE)
    title = (
        f"{name}: {'-'.join(map(str, sizes))} ReLU, {np.dtype(dtype).name}, "
        f"{n} samples, batches of {BATCH_SIZE}, Adam, alpha {ALPHA:g}"
    )
    report(title, seconds, timers, n_batches, steps)


def report(title, seconds, timers, n_batches, steps):
    """Print the phases' medians over the epochs after the warm-up one."""
    us = 1e6 / n_batches  # seconds per epoch to microseconds per batch
    plain = np.array(seconds["plain"][1:]) * us
    profiled = np.array(seconds["profiled"][1:]) * us
    timers = timers[1:]
    calls = {key: count / n_batches for key, count in timers[0].calls.items()}
    times = {key: np.array([t.seconds[key] for t in timers]) * us for key in calls}
    times["run_epoch"] = profiled - sum(times.values())
    n_calls = sum(calls.values())
    calls["run_epoch"] = 1.0  # its loop, once per batch
    nested = set.union(*(t.nested for t in timers)) | {"run_epoch"}
    phases = {key: float(np.median(times[key])) for key in calls if calls[key]}
    total = sum(phases.values())
    gemm = phases["Network.loss_and_gradient"]

    print(
        f"\n{title}; medians over {len(plain)} epochs (after one to warm "
        "up)\nof a plain and a profiled run taking turns\n"
    )
    print("| phase | timed function | calls per batch | us per batch | share |")
    print("| --- | --- | --- | --- | --- |")
    for key, value in sorted(phases.items(), key=lambda kv: -kv[1]):
        where = f"rest of `{key}`" if key in nested else f"`{key}`"
        print(
            f"| {PHASES.get(key, key)} | {where} | {calls[key]:.3g} | "
            f"{value:.1f} | {value / total:.1%} |"
        )
    rows = [
        (
            "**matrix products / everything else**",
            f"**{gemm:.0f} / {total - gemm:.0f}**",
            f"**{gemm / total:.1%} / {1 - gemm / total:.1%}**",
        ),
        ("**sum of the phases**", f"**{total:.0f}**", "**100%**"),
        ("step, profiled", f"{np.median(profiled):.0f}", ""),
        ("**step, plain (the true step time)**", f"**{np.median(plain):.0f}**", ""),
        (
            f"wrappers' overhead ({n_calls:.0f} timed calls per batch)",
            f"{np.median(profiled - plain):.1f}",
            f"{np.median(profiled / plain) - 1:+.1%} of the plain step",
        ),
    ]
    for what, value, share in rows:
        print(f"| {what} | | | {value} | {share} |")
    print(
        "\nMatrix products: what remains of Network.loss_and_gradient once its "
        "timed\nsub-phases are taken out (with the penalty's dot product and the "
        "method's own\nPython). Each 'rest of' row also carries the wrappers' "
        "bookkeeping of its timed\ncalls. Overhead: the median over the epochs "
        "of profiled minus plain time.\n"
        f"Checked: the profiled and the plain run (same seed, {steps} steps "
        "each) end\nwith bit-identical parameters and epoch losses."
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="a32,a64,b", help="of a32, a64, b, c")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument(
        "--numpy", action="store_true", help="the NumPy code (kernels off)"
    )
    args = parser.parse_args()
    with accel.enabled(not args.numpy):
        print(machine_facts())
        for name in args.cases.split(","):
            profile(name, args.epochs)


if __name__ == "__main__":
    main()
