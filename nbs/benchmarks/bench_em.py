"""EM iterations of gmm_nb.GaussianMixture against scikit-learn's: time per iteration, peak memory, agreement.

Each configuration (covariance type, N, D, K) fits both estimators to the same data (a synthetic mixture, seeded)
from the same initial weights, means and precisions, with `tol=0` so that both run exactly the requested number
of EM iterations. Reported per configuration:

* seconds per EM iteration of each: the time of a fit with 1 + m iterations minus that of a fit with 1 iteration,
  over m (this removes input validation, initialisation and the final E step from both); the two libraries are
  timed in alternation, `--reps` pairs, and the ratio is the median of the per-pair ratios sklearn/gmm_nb. Each
  timed fit starts after a 0.3 s pause: with several BLAS threads, OpenBLAS's worker threads keep spinning for
  about 0.1 s after a call (scikit-learn also uses SciPy, which has its own OpenBLAS and threads), and would
  otherwise take a core from the start of the next fit, whichever library it is;
* peak RSS of each fit, measured in a fresh subprocess per fit (VmHWM of /proc/self/status, reset just before
  the fit through /proc/self/clear_refs, so the data generation does not count), in MB: the total, and the
  part above the RSS just before the fit (the data are already in memory then);
* the largest relative difference of the log-likelihoods (`lower_bounds_`, every iteration) and of the
  parameters (weights, means, covariances; normwise) between the two, after the same iterations.

The last lines give, per covariance type, the geometric mean and the worst of the ratios. Configurations where
one scikit-learn iteration takes longer than `--max-sk-seconds` (estimated from a one-iteration fit) are skipped.

Threads: `--threads 1` pins the BLAS and OpenMP to one thread with threadpoolctl (the stable comparison; OpenMP runs
scikit-learn's k-means, the default start of its GaussianMixture; threadpoolctl is installed with scikit-learn);
`--threads default` leaves them as configured. The thread pools found (threadpoolctl.threadpool_info()) are printed
first. Runs before 2026-11-30 pinned the BLAS only, which left scikit-learn's k-means on both cores.

Extras: `--float32` times float32 against float64 input (gmm_nb only) and compares the log-likelihoods;
`--big` fits N=1e7, D=10 (K=10) with `chunk_size` in a subprocess and reports its peak memory; `--flatness`
times gmm_nb alone at each N of the grid and reports, per (type, D, K), the time per sample and its spread;
with `--append` the run is added to those already in the `--csv` file, numbered in its `run` column (a run's
verdict depends on the state of a shared machine, so several runs, at different times, say more than one).

`--whole-fit` measures what a user waits for: a fit from each library's default start (k-means), `n_init=1`, the
default `tol`, to convergence, once per seed (`--seeds`, random_state 0, 1, ...; the fastest of up to 7 fits when one takes under 0.1 s), on the grid or on `--configs`
(type:N:D:K,...). Reported: the total seconds of each library over the seeds and their ratio, the mean number of EM
iterations, and gmm_nb's final mean log-likelihood per point minus scikit-learn's (mean, min, max over the seeds):
the two start from different k-means results, so each may end in a different local maximum, either way.

This is a plain script, outside nbdev_test's default run (nbdev_test only runs notebooks; chapter 09 runs a
small version of it). The whole grid takes a few hours on a 2-core machine; run it in the background, e.g.:

    cd nbs/benchmarks
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE nohup python bench_em.py --threads 1 --csv /tmp/bench_1thread.csv > /tmp/bench_1thread.log 2>&1 &

OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE may be set in the environment of these machines (they force an OpenBLAS
kernel and cache size); unset them *in the benchmark command only*, as above, to measure numpy's OpenBLAS as it
configures itself. Never unset them in tests or CI.
"""
import argparse, csv, json, math, os, subprocess, sys, time, warnings
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TYPES = ('full', 'diag', 'spherical', 'tied')


def make_data(N:int, D:int, K:int, seed:int=0, dtype=np.float64, block:int=65536) -> np.ndarray:
    "N points (N, D) from a random K-component mixture (means ~ N(0, 4²), random full covariances), made block by block."
    r = np.random.default_rng(seed)
    means = r.normal(0, 4, size=(K, D))
    A = r.normal(size=(K, D, D)) / np.sqrt(D) + 0.5 * np.eye(D)             # Σ_k = A_k A_kᵀ
    X = np.empty((N, D), dtype)
    for s in range(0, N, block):
        b = min(block, N - s)
        z, Z = r.integers(0, K, size=b), r.standard_normal((b, D))
        for k in range(K):
            idx = z == k
            X[s:s + b][idx] = Z[idx] @ A[k].T + means[k]
    return X


def initial_params(X, K:int, covariance_type:str, seed:int=1) -> dict:
    "Common start: equal weights, K distinct data points as means, every component with the data's covariance."
    r = np.random.default_rng(seed)
    sub = X[r.choice(len(X), min(len(X), 100_000), replace=False)].astype(np.float64)
    means = sub[r.choice(len(sub), K, replace=False)]
    C = np.cov(sub.T, bias=True).reshape(X.shape[1], X.shape[1])
    P = {'full': np.broadcast_to(np.linalg.inv(C), (K,) + C.shape).copy(), 'tied': np.linalg.inv(C),
         'diag': np.broadcast_to(1 / np.diag(C), (K, len(C))).copy(), 'spherical': np.full(K, 1 / np.diag(C).mean())}[covariance_type]
    return dict(weights_init=np.full(K, 1 / K), means_init=means, precisions_init=P)


def estimator(lib:str, K:int, covariance_type:str, n_iter:int, init:dict, **kw):
    "An unfitted GaussianMixture of `lib` ('sklearn' or 'gmm_nb') that runs exactly n_iter EM iterations from init."
    if lib == 'sklearn': from sklearn.mixture import GaussianMixture
    else: from gmm_nb import GaussianMixture
    return GaussianMixture(K, covariance_type=covariance_type, tol=0, max_iter=n_iter, **init, **kw)


PAUSE = 0.3   # seconds of rest before each timed fit: OpenBLAS's threads spin for about 0.1 s after a call

def fit_seconds(lib, X, K, covariance_type, n_iter, init, **kw) -> tuple:
    "(seconds, fitted model) of one fit of n_iter iterations, after a pause that lets the BLAS threads of the last fit sleep."
    model = estimator(lib, K, covariance_type, n_iter, init, **kw)
    time.sleep(PAUSE)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')                                     # tol=0: never converges, by design
        t0 = time.perf_counter(); model.fit(X); t = time.perf_counter() - t0
    return t, model


def per_iteration(lib, X, K, covariance_type, m, init, **kw) -> tuple:
    "(seconds per iteration, model fitted with 1 + m iterations): (t(1 + m) - t(1)) / m."
    t1, _ = fit_seconds(lib, X, K, covariance_type, 1, init, **kw)
    tm, model = fit_seconds(lib, X, K, covariance_type, 1 + m, init, **kw)
    return max(tm - t1, 1e-9) / m, model


def rel_diff(a, b) -> float:
    "Largest absolute difference over the largest absolute value of b."
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-300))


def agreement(ours, sk) -> tuple:
    "(relative difference of the log-likelihoods of every iteration, largest one of weights, means, covariances)."
    ll = rel_diff(ours.lower_bounds_, sk.lower_bounds_)
    return ll, max(rel_diff(getattr(ours, a), getattr(sk, a)) for a in ('weights_', 'means_', 'covariances_'))


# ---------------------------------------------------------------------------------------------------------------
# memory: one fit in a fresh process

def vm_kb(field:str) -> int:
    "A field of /proc/self/status (VmRSS, VmHWM) in kB."
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'): return int(line.split()[1])
    return -1


def child_main(args):
    "Run one fit and print {'peak_mb', 'before_mb'} as JSON (called in a subprocess by peak_memory)."
    spec = json.loads(args.child)
    X = make_data(spec['N'], spec['D'], spec['K'], dtype=np.dtype(spec['dtype']))
    init = initial_params(X, spec['K'], spec['type'])
    kw = {'chunk_size': spec['chunk_size']} if spec.get('chunk_size') else {}
    model = estimator(spec['lib'], spec['K'], spec['type'], spec['n_iter'], init, **kw)
    if spec['threads'] == '1':
        from threadpoolctl import threadpool_limits
        limiter = threadpool_limits(1, 'blas')
    before = vm_kb('VmRSS')
    try:
        with open('/proc/self/clear_refs', 'w') as f: f.write('5')        # reset VmHWM to the current RSS
    except OSError: pass
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        t0 = time.perf_counter(); model.fit(X); t = time.perf_counter() - t0
    print(json.dumps({'peak_mb': vm_kb('VmHWM') / 1024, 'before_mb': before / 1024, 'data_mb': X.nbytes / 2**20, 'seconds': t}))


def peak_memory(lib, N, D, K, covariance_type, threads, n_iter=2, dtype='float64', chunk_size=None) -> dict:
    "Peak RSS of one fit, measured in a subprocess: {'peak_mb', 'before_mb', 'data_mb', 'seconds'}."
    spec = dict(lib=lib, N=N, D=D, K=K, type=covariance_type, threads=threads, n_iter=n_iter, dtype=dtype, chunk_size=chunk_size)
    out = subprocess.run([sys.executable, os.path.abspath(__file__), '--child', json.dumps(spec)],
                         capture_output=True, text=True)
    if out.returncode: raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------------------------
# one configuration

def iterations_for(seconds_per_iter:float, target:float=1.0, most:int=30) -> int:
    "m timed iterations so that a measurement takes about `target` seconds (2 to `most`)."
    return int(min(most, max(2, round(target / max(seconds_per_iter, 1e-6)))))


def bench_config(covariance_type, N, D, K, reps=3, threads='1', memory=True, max_sk_seconds=60.0, seconds=1.0) -> dict:
    "Time, memory and agreement of both libraries on one configuration (`seconds`: per timed fit); None if sklearn is too slow."
    X = make_data(N, D, K)
    init = initial_params(X, K, covariance_type)
    t_sk1, _ = fit_seconds('sklearn', X, K, covariance_type, 1, init)        # also warms up both code paths
    fit_seconds('gmm_nb', X, K, covariance_type, 1, init)
    if t_sk1 / 2 > max_sk_seconds: return None                           # a 1-iteration fit costs about 2 iterations
    m = iterations_for(t_sk1 / 2, seconds)
    t_sk, t_ours, ratios = [], [], []
    for rep in range(reps):
        order = ('sklearn', 'gmm_nb') if rep % 2 == 0 else ('gmm_nb', 'sklearn')
        res = {lib: per_iteration(lib, X, K, covariance_type, m, init) for lib in order}
        t_sk.append(res['sklearn'][0]); t_ours.append(res['gmm_nb'][0]); ratios.append(t_sk[-1] / t_ours[-1])
    ll_diff, param_diff = agreement(res['gmm_nb'][1], res['sklearn'][1])
    row = dict(type=covariance_type, N=N, D=D, K=K, threads=threads, iters=m, sk_s=float(np.median(t_sk)),
               ours_s=float(np.median(t_ours)), ratio=float(np.median(ratios)), ll_diff=ll_diff, param_diff=param_diff)
    if memory:
        for lib, key in (('sklearn', 'sk'), ('gmm_nb', 'ours')):
            mem = peak_memory(lib, N, D, K, covariance_type, threads)
            row[f'{key}_peak_mb'], row[f'{key}_extra_mb'] = mem['peak_mb'], mem['peak_mb'] - mem['before_mb']
    return row


HEADER = (f"{'type':9s} {'N':>8s} {'D':>3s} {'K':>3s} {'sklearn s/it':>12s} {'gmm_nb s/it':>12s} {'ratio':>6s} "
          f"{'sk peak MB':>10s} {'ours peak MB':>12s} {'sk +MB':>8s} {'ours +MB':>8s} {'ll rel diff':>11s} {'param diff':>10s}")

def format_row(r:dict) -> str:
    "One line of the table."
    mem = (f"{r['sk_peak_mb']:10.0f} {r['ours_peak_mb']:12.0f} {r['sk_extra_mb']:8.0f} {r['ours_extra_mb']:8.0f}"
           if 'sk_peak_mb' in r else f"{'-':>10s} {'-':>12s} {'-':>8s} {'-':>8s}")
    return (f"{r['type']:9s} {r['N']:8.0e} {r['D']:3d} {r['K']:3d} {r['sk_s']:12.4g} {r['ours_s']:12.4g} {r['ratio']:6.2f} "
            f"{mem} {r['ll_diff']:11.1e} {r['param_diff']:10.1e}")


def geomean(xs) -> float:
    "(Π x)^(1/n), the mean of ratios that treats 2× and ½× symmetrically."
    return math.exp(np.mean(np.log(xs)))


def summary(rows:list) -> list:
    "Per covariance type: 'geometric mean ... worst ...' lines."
    out = []
    for ct in TYPES:
        rs = [r for r in rows if r['type'] == ct]
        if not rs: continue
        g = geomean([r['ratio'] for r in rs])
        w = min(rs, key=lambda r: r['ratio'])
        out.append(f"{ct:9s}: {len(rs)} configs, geometric mean ratio {g:.2f}, worst {w['ratio']:.2f} "
                   f"(N={w['N']:.0e}, D={w['D']}, K={w['K']}), largest ll rel diff {max(r['ll_diff'] for r in rs):.1e}, "
                   f"largest param rel diff {max(r['param_diff'] for r in rs):.1e}")
    return out


# ---------------------------------------------------------------------------------------------------------------
# extras

def bench_float32(covariance_type, N, D, K, reps=3) -> dict:
    "gmm_nb only: seconds per iteration in float64 and float32 (paired), and the log-likelihoods' relative difference."
    X64 = make_data(N, D, K); X32 = X64.astype(np.float32)
    init = initial_params(X64, K, covariance_type)
    init32 = {k: v.astype(np.float32) for k, v in init.items()}
    init32['weights_init'] = init32['weights_init'] / init32['weights_init'].sum()
    t64, t32, ratios = [], [], []
    m = iterations_for(fit_seconds('gmm_nb', X64, K, covariance_type, 1, init)[0] / 3, 2.0)   # a 1-iteration fit costs about 3 iterations
    for rep in range(reps):
        a, model64 = per_iteration('gmm_nb', X64, K, covariance_type, m, init)
        b, model32 = per_iteration('gmm_nb', X32, K, covariance_type, m, init32)
        t64.append(a); t32.append(b); ratios.append(a / b)
    return dict(type=covariance_type, N=N, D=D, K=K, s64=float(np.median(t64)), s32=float(np.median(t32)),
                speedup=float(np.median(ratios)), ll_diff=rel_diff(model32.lower_bounds_, model64.lower_bounds_))


def bench_flatness(covariance_type, D, K, Ns=(10**4, 10**5, 10**6), reps=5, seconds=0.5) -> dict:
    "gmm_nb only: nanoseconds per sample and iteration at each N, and the largest over the smallest. The Ns are timed in turn, `reps` rounds; per N, (least t(1+m) - least t(1)) / m: a slow spell of the machine then hits every N alike, and other processes only ever add time."
    row, runs = dict(type=covariance_type, D=D, K=K), []
    for N in Ns:
        X = make_data(N, D, K); init = initial_params(X, K, covariance_type)
        runs.append((N, X, init, iterations_for(fit_seconds('gmm_nb', X, K, covariance_type, 1, init)[0] / 2, seconds, most=2000)))
    t1, tm = {N: math.inf for N in Ns}, {N: math.inf for N in Ns}
    for rep in range(reps):
        for N, X, init, m in runs:
            t1[N] = min(t1[N], fit_seconds('gmm_nb', X, K, covariance_type, 1, init)[0])
            tm[N] = min(tm[N], fit_seconds('gmm_nb', X, K, covariance_type, 1 + m, init)[0])
    for N, X, init, m in runs: row[f'ns_{N:.0e}'] = 1e9 * (tm[N] - t1[N]) / m / N
    v = [row[f'ns_{N:.0e}'] for N in Ns]
    row['spread'] = max(v) / min(v)
    return row


def whole_fit(lib, X, K, covariance_type, seed) -> tuple:
    "(seconds, fitted model) of the fit a user waits for: default initialisation, n_init=1, default tol, random_state=seed."
    if lib == 'sklearn': from sklearn.mixture import GaussianMixture
    else: from gmm_nb import GaussianMixture
    model = GaussianMixture(K, covariance_type=covariance_type, random_state=seed)
    time.sleep(PAUSE)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        t0 = time.perf_counter(); model.fit(X); t = time.perf_counter() - t0
    return t, model


def bench_whole_fit(covariance_type, N, D, K, seeds=3) -> dict:
    "Both libraries' whole fits, one per seed (the fastest of up to 7 if under 0.1 s), in alternation: total seconds, ratio of the totals, iterations, mean score difference."
    X = make_data(N, D, K)
    whole_fit('gmm_nb', X[:1000], K, covariance_type, 0)                    # warm up both code paths
    whole_fit('sklearn', X[:1000], K, covariance_type, 0)
    t, it, score = {'sklearn': [], 'gmm_nb': []}, {'sklearn': [], 'gmm_nb': []}, {'sklearn': [], 'gmm_nb': []}
    for seed in range(seeds):
        for rep in range(7):                                                # fits under 0.1 s: the fastest of up to 7, in alternation
            for lib in (('sklearn', 'gmm_nb') if (seed + rep) % 2 == 0 else ('gmm_nb', 'sklearn')):
                s, model = whole_fit(lib, X, K, covariance_type, seed)
                if rep == 0: t[lib].append(s); it[lib].append(model.n_iter_); score[lib].append(model.score(X))
                else: t[lib][-1] = min(t[lib][-1], s)
            if max(t['sklearn'][-1], t['gmm_nb'][-1]) >= 0.1: break
    d = np.subtract(score['gmm_nb'], score['sklearn'])
    return dict(type=covariance_type, N=N, D=D, K=K, seeds=seeds, sk_s=float(np.sum(t['sklearn'])), ours_s=float(np.sum(t['gmm_nb'])),
                ratio=float(np.sum(t['sklearn']) / np.sum(t['gmm_nb'])), sk_iter=float(np.mean(it['sklearn'])),
                ours_iter=float(np.mean(it['gmm_nb'])), score_diff=float(d.mean()), score_diff_min=float(d.min()),
                score_diff_max=float(d.max()))


def bench_n_jobs(covariance_type, N, D, K, reps=3) -> dict:
    "gmm_nb alone: seconds per iteration with n_jobs=1 and n_jobs=2, timed in alternation; and whether the two fits are bitwise equal."
    X = make_data(N, D, K); init = initial_params(X, K, covariance_type)
    m = iterations_for(fit_seconds('gmm_nb', X, K, covariance_type, 1, init)[0] / 2, 1.0)
    t = {1: [], 2: []}; fits = {}
    for rep in range(reps):
        for n in ((1, 2) if rep % 2 == 0 else (2, 1)):
            s, fits[n] = per_iteration('gmm_nb', X, K, covariance_type, m, init, n_jobs=n); t[n].append(s)
    equal = all(np.array_equal(getattr(fits[1], a), getattr(fits[2], a)) for a in ('weights_', 'means_', 'covariances_', 'lower_bounds_'))
    return dict(type=covariance_type, N=N, D=D, K=K, s1=float(np.median(t[1])), s2=float(np.median(t[2])),
                speedup=float(np.median(np.divide(t[1], t[2]))), bitwise_equal=equal)


def _engine_iteration(X, K:int, covariance_type:str, chunk_size=None):
    "A function that runs one EM iteration of the engine (chapter 4) over X, weights 1, from the common start, on one thread."
    from gmm_nb.engine import fit_workspace, em_step
    from gmm_nb.covariances import precision_factors
    init, w = initial_params(X, K, covariance_type), np.ones(len(X))
    P = init['precisions_init']
    cov = np.linalg.inv(P) if covariance_type in ('full', 'tied') else 1 / P
    ws = fit_workspace(X, w, K, covariance_type, chunk_size)
    state = ((init['weights_init'], init['means_init'] - ws.c, cov), precision_factors(cov, covariance_type, 0.0))
    return lambda: em_step(X, w, state, ws, 1e-6, 0.0)


def _run_iterations(step, n:int, barrier, out):
    "After the barrier, n iterations back to back; (start, end) on the system's monotonic clock into `out`."
    barrier.wait(); t0 = time.perf_counter()
    for _ in range(n): step()
    out.put((t0, time.perf_counter()))


def _concurrent_seconds(steps:list, n:int, kind:str) -> float:
    "Seconds per iteration of len(steps) workers, each running its own step n times at once: threads, or forked processes."
    import queue, threading, multiprocessing as mp
    ctx = mp.get_context('fork')
    Worker, barrier, out = ((threading.Thread, threading.Barrier(len(steps)), queue.Queue()) if kind == 'threads' else
                            (ctx.Process, ctx.Barrier(len(steps)), ctx.Queue()))
    workers = [Worker(target=_run_iterations, args=(s, n, barrier, out)) for s in steps]
    for w in workers: w.start()
    spans = [out.get() for _ in workers]
    for w in workers: w.join()
    return (max(e for _, e in spans) - min(s for s, _ in spans)) / n


def bench_gil_ceiling(covariance_type, N, D, K, mults=(1, 4, 16), reps=5, n:int=None) -> list:
    """What two cores can give the engine: one iteration over N rows on one thread, against two workers at once, each on
    its own half of the rows with its own workspace (no pool, nothing shared): two threads, and two processes.
    Blocks: the engine's own size, and `mults` times it."""
    from threadpoolctl import threadpool_limits
    from gmm_nb.engine import _block_rows
    X = make_data(N, D, K); halves = [X[:N // 2].copy(), X[N // 2:].copy()]
    rows = []
    with threadpool_limits(1, 'blas'):
        for m in mults:
            chunk = None if m == 1 else m * _block_rows(N, K, D, covariance_type)
            whole = _engine_iteration(X, K, covariance_type, chunk)
            parts = [_engine_iteration(h, K, covariance_type, chunk) for h in halves]
            if n is None:
                t0 = time.perf_counter(); whole(); n = max(3, int(0.5 / max(time.perf_counter() - t0, 1e-4)))
            t = {'serial': [], 'threads': [], 'processes': []}
            for _ in range(reps):                                           # the three in turn, so that drifts hit all
                t0 = time.perf_counter()
                for _ in range(n): whole()
                t['serial'].append((time.perf_counter() - t0) / n)
                for kind in ('threads', 'processes'): t[kind].append(_concurrent_seconds(parts, n, kind))
            s = {k: float(np.median(v)) for k, v in t.items()}
            rows.append(dict(type=covariance_type, N=N, D=D, K=K, block_mult=m, s_serial=s['serial'], s_threads=s['threads'], s_processes=s['processes']))
    best = min(r['s_serial'] for r in rows)
    for r in rows:
        r.update(threads_speedup=best / r['s_threads'], processes_speedup=best / r['s_processes'])
    return rows


def _cluster(n_workers:int):
    "A LocalCluster of n_workers processes of one thread, and its Client."
    import logging
    from distributed import LocalCluster, Client
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.CRITICAL)
    return cluster, Client(cluster)


def bench_dask(covariance_type, N, D, K, chunk_rows=250_000, reps=2) -> list:
    "Seconds per iteration of the same fit in memory (n_jobs 1, 2) and on a LocalCluster (1, 2 workers), the data persisted; bytes between workers per iteration; difference from in memory."
    import dask.array as da
    X = make_data(N, D, K); init = initial_params(X, K, covariance_type)
    m = iterations_for(fit_seconds('gmm_nb', X, K, covariance_type, 1, init)[0] / 2, 2.0, most=10)
    rows, ref = [], None
    for n in (1, 2):
        s = min(per_iteration('gmm_nb', X, K, covariance_type, m, init, n_jobs=n)[0] for _ in range(reps))
        if ref is None: ref = per_iteration('gmm_nb', X, K, covariance_type, m, init)[1]
        rows.append(dict(type=covariance_type, N=N, D=D, K=K, engine=f'threads', workers=n, s_per_iter=s, bytes_per_iter=0, rel_diff=0.0))
    for n in (1, 2):
        cluster, client = _cluster(n)
        try:
            Xd = da.from_array(X, chunks=(chunk_rows, D)).persist()
            sent = lambda: sum(client.run(lambda dask_worker: dask_worker.transfer_outgoing_bytes_total).values())
            best, b = np.inf, None
            for _ in range(reps):
                b0 = sent(); t1, _ = fit_seconds('gmm_nb', Xd, K, covariance_type, 1, init); b1 = sent()
                tm, model = fit_seconds('gmm_nb', Xd, K, covariance_type, 1 + m, init); b2 = sent()
                best, b = min(best, (tm - t1) / m), ((b2 - b1) - (b1 - b0)) / m
            rows.append(dict(type=covariance_type, N=N, D=D, K=K, engine='dask', workers=n, s_per_iter=best, bytes_per_iter=b,
                             rel_diff=max(rel_diff(getattr(model, a), getattr(ref, a)) for a in ('weights_', 'means_', 'covariances_', 'lower_bounds_'))))
        finally: client.close(); cluster.close()
    return rows


def _write_npy(path, N:int, D:int, K:int, block:int=1_000_000):
    "A .npy file of N rows of make_data's mixture, written block by block (never all in memory)."
    out = np.lib.format.open_memmap(path, mode='w+', dtype=np.float64, shape=(N, D))
    for s in range(0, N, block): out[s:s + block] = make_data(min(block, N - s), D, K, seed=s // block)
    out.flush(); del out


def _load_rows(path, start:int, stop:int) -> np.ndarray:
    "Rows start:stop of a .npy file, read through a memory map."
    return np.array(np.load(path, mmap_mode='r')[start:stop])


def bench_out_of_core(path, N:int, D:int, K:int, covariance_type='full', chunk_rows=1_000_000, n_iter=3, workers=2) -> dict:
    "A fit of N rows read from a .npy file on disk chunk by chunk (dask, `workers` processes): seconds per iteration, peak memory of each process."
    import dask, dask.array as da, psutil
    if not os.path.exists(path): _write_npy(path, N, D, K)
    chunks = [da.from_delayed(dask.delayed(_load_rows)(path, s, min(s + chunk_rows, N)), (min(chunk_rows, N - s), D), np.float64)
              for s in range(0, N, chunk_rows)]
    X = da.concatenate(chunks)
    init = initial_params(_load_rows(path, 0, 1_000_000), K, covariance_type)
    cluster, client = _cluster(workers)
    try:
        reset = lambda: open('/proc/self/clear_refs', 'w').write('5')
        client.run(reset); reset()
        t1, _ = fit_seconds('gmm_nb', X, K, covariance_type, 1, init)
        tm, model = fit_seconds('gmm_nb', X, K, covariance_type, 1 + n_iter, init)
        peaks = client.run(lambda: vm_kb('VmHWM') / 1024)
    finally: client.close(); cluster.close()
    return dict(type=covariance_type, N=N, D=D, K=K, data_gb=N * D * 8 / 1e9, chunk_rows=chunk_rows, workers=workers,
                s_per_iter=(tm - t1) / n_iter, worker_peak_mb=max(peaks.values()), client_peak_mb=vm_kb('VmHWM') / 1024,
                n_iter=n_iter, score=float(model.lower_bounds_[-1]))


def read_csv(path) -> list:
    "The rows of a CSV file written by write_csv, as dicts of strings."
    with open(path, newline='') as f: return list(csv.DictReader(f))


def write_csv(path, rows:list):
    "Write rows (dicts with the same keys) to a CSV file, if a path is given."
    if not path or not rows: return
    with open(path, 'w', newline='') as f:
        wr = csv.DictWriter(f, fieldnames=list(rows[0])); wr.writeheader(); wr.writerows(rows)


def parse_configs(text:str) -> list:
    "'type:N:D:K,...' → [(type, N, D, K), ...], N read as a float (1e6)."
    return [(t, int(float(n)), int(d), int(k)) for t, n, d, k in (c.split(':') for c in text.split(','))]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--types', default=','.join(TYPES[:3] + ('tied',)))
    p.add_argument('--N', default='1e4,1e5,1e6'); p.add_argument('--D', default='2,10,50'); p.add_argument('--K', default='3,10,30')
    p.add_argument('--threads', default='1', choices=('1', 'default'))
    p.add_argument('--reps', type=int, default=None, help='repetitions per measurement (default 3; 5 rounds for --flatness)')
    p.add_argument('--no-memory', action='store_true', help='skip the peak-memory subprocesses')
    p.add_argument('--max-sk-seconds', type=float, default=60.0)
    p.add_argument('--csv', default=None, help='also write the rows to this CSV file')
    p.add_argument('--float32', action='store_true', help='float32 against float64 (gmm_nb only), N=1e5 and 1e6, D=10, K=10')
    p.add_argument('--big', action='store_true', help='peak memory of a chunked fit with N=1e7, D=10, K=10')
    p.add_argument('--flatness', action='store_true', help='time per sample of gmm_nb alone at each N, per (type, D, K)')
    p.add_argument('--append', action='store_true', help='--flatness: add this run to the rows already in --csv (column `run`)')
    p.add_argument('--whole-fit', action='store_true', help='the whole fit from the default start (k-means), one per seed')
    p.add_argument('--seeds', type=int, default=3, help='--whole-fit: random_state 0..seeds-1')
    p.add_argument('--configs', default=None, help='--whole-fit: type:N:D:K,... instead of the grid')
    p.add_argument('--n-jobs', action='store_true', help='gmm_nb alone: seconds per iteration with n_jobs=1 and 2, and bitwise equality')
    p.add_argument('--dask', action='store_true', help='the same fit in memory (n_jobs 1, 2) and on a LocalCluster (1, 2 workers)')
    p.add_argument('--out-of-core', default=None, metavar='NPY', help='a fit of --N rows (default 1e8), D=10, K=5, read from this .npy file (made if missing)')
    p.add_argument('--gil-ceiling', action='store_true', help='one thread against two threads and two processes, each on half the rows (--configs)')
    p.add_argument('--child', default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child: return child_main(args)

    from threadpoolctl import threadpool_info, threadpool_limits
    import sklearn, sklearn.cluster, sklearn.mixture, gmm_nb                 # loaded first, so that their thread pools are seen
    print(f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, gmm_nb {gmm_nb.__version__}; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}, OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE')}")
    for lib in threadpool_info():
        print(f"  {lib.get('internal_api')} {lib.get('version')} ({lib.get('architecture', '')}, {lib.get('threading_layer', '')}), "
              f"{lib.get('num_threads')} threads: {os.path.basename(lib.get('filepath', ''))}")
    limiter = threadpool_limits(1) if args.threads == '1' else None          # BLAS and OpenMP (scikit-learn's k-means)
    print(f"BLAS and OpenMP threads: {args.threads}", flush=True)

    if args.float32:
        print(f"\n{'type':9s} {'N':>8s} {'D':>3s} {'K':>3s} {'f64 s/it':>10s} {'f32 s/it':>10s} {'speedup':>7s} {'ll rel diff':>11s}")
        rows = []
        for ct in args.types.split(','):
            for N in (10**5, 10**6):
                r = bench_float32(ct, N, 10, 10, args.reps or 3); rows.append(r)
                print(f"{ct:9s} {N:8.0e} {10:3d} {10:3d} {r['s64']:10.4g} {r['s32']:10.4g} {r['speedup']:7.2f} {r['ll_diff']:11.1e}", flush=True)
        return write_csv(args.csv, rows)
    if args.big:
        rows = []
        for ct in args.types.split(','):
            mem = peak_memory('gmm_nb', 10**7, 10, 10, ct, args.threads, n_iter=2, chunk_size=65536)
            rows.append(dict(type=ct, N=10**7, D=10, K=10, chunk_size=65536, **mem))
            print(f"{ct:9s} N=1e7 D=10 K=10 chunk_size=65536: data {mem['data_mb']:.0f} MB, peak RSS {mem['peak_mb']:.0f} MB "
                  f"({mem['peak_mb'] - mem['before_mb']:+.0f} MB during the fit), {mem['seconds']:.1f} s for 2 iterations", flush=True)
        return write_csv(args.csv, rows)

    if args.n_jobs:
        print(f"\nseconds per iteration of gmm_nb with n_jobs=1 and n_jobs=2 (BLAS threads: {args.threads}), speed-up, bitwise equal")
        rows = []
        for ct in args.types.split(','):
            for N in [int(float(n)) for n in args.N.split(',')]:
                for D in [int(d) for d in args.D.split(',')]:
                    for K in [int(k) for k in args.K.split(',')]:
                        r = bench_n_jobs(ct, N, D, K, args.reps or 3); rows.append(r)
                        print(f"{ct:9s} {N:8.0e} {D:3d} {K:3d}  {r['s1']:10.4g} {r['s2']:10.4g}  speed-up {r['speedup']:5.2f}  "
                              f"{'bitwise equal' if r['bitwise_equal'] else 'DIFFERENT'}", flush=True)
                        write_csv(args.csv, rows)
        return
    if args.gil_ceiling:
        print("\nseconds per iteration of the engine: all rows on one thread; two threads and two processes at once, each on half "
              "the rows; speed-up against the fastest one-thread time; blocks of the engine's size (x1) and larger")
        rows = []
        for ct, N, D, K in parse_configs(args.configs or 'full:1e6:2:3,full:1e5:10:10,diag:1e6:10:10,diag:1e5:2:30,spherical:1e6:2:3,tied:1e6:10:10'):
            for r in bench_gil_ceiling(ct, N, D, K, reps=args.reps or 5):
                rows.append(r)
                print(f"{ct:9s} {N:8.0e} {D:3d} {K:3d}  blocks x{r['block_mult']}  one thread {r['s_serial']:8.4f}  two threads {r['s_threads']:8.4f} "
                      f"({r['threads_speedup']:4.2f}x)  two processes {r['s_processes']:8.4f} ({r['processes_speedup']:4.2f}x)", flush=True)
                write_csv(args.csv, rows)
        return
    if args.dask:
        print("\nseconds per iteration: in memory on 1 and 2 threads, on a LocalCluster of 1 and 2 worker processes (data persisted)")
        rows = []
        for ct, N, D, K in parse_configs(args.configs or 'full:1e6:10:10,diag:1e6:10:10'):
            for r in bench_dask(ct, N, D, K):
                rows.append(r)
                print(f"{ct:9s} {N:8.0e} {D:3d} {K:3d}  {r['engine']:7s} {r['workers']}  {r['s_per_iter']:8.4f} s/it  "
                      f"{r['bytes_per_iter'] / 1e3:8.1f} kB/it between workers  rel diff {r['rel_diff']:.1e}", flush=True)
                write_csv(args.csv, rows)
        return
    if args.out_of_core:
        N = int(float(args.N)) if ',' not in args.N else 10**8
        r = bench_out_of_core(args.out_of_core, N, 10, 5)
        print(f"out of core: N={N:.0e}, D=10, K=5, {r['data_gb']:.1f} GB on disk, {r['workers']} workers: {r['s_per_iter']:.1f} s per iteration, "
              f"peak memory {r['worker_peak_mb']:.0f} MB per worker, {r['client_peak_mb']:.0f} MB in the client", flush=True)
        return write_csv(args.csv, [r])

    if args.whole_fit:
        grid = (parse_configs(args.configs) if args.configs else [(ct, int(float(N)), int(D), int(K)) for ct in args.types.split(',')
                                                                  for N in args.N.split(',') for D in args.D.split(',') for K in args.K.split(',')])
        print(f"\nwhole fits, default start, n_init=1, random_state 0..{args.seeds - 1}: total seconds of each library, ratio sklearn/gmm_nb, "
              "mean iterations, and gmm_nb's final score (mean log-likelihood per point) minus scikit-learn's: mean [min, max]")
        rows = []
        for ct, N, D, K in grid:
            r = bench_whole_fit(ct, N, D, K, args.seeds); rows.append(r)
            print(f"{ct:9s} {N:8.0e} {D:3d} {K:3d}  sklearn {r['sk_s']:8.3f} s ({r['sk_iter']:5.1f} it)  gmm_nb {r['ours_s']:8.3f} s "
                  f"({r['ours_iter']:5.1f} it)  ratio {r['ratio']:6.2f}  score diff {r['score_diff']:+.1e} "
                  f"[{r['score_diff_min']:+.1e}, {r['score_diff_max']:+.1e}]", flush=True)
            write_csv(args.csv, rows)
        g = geomean([r['ratio'] for r in rows]); w = min(rows, key=lambda r: r['ratio'])
        print(f"\nALL: {len(rows)} configs, geometric mean ratio {g:.2f}, worst {w['ratio']:.2f} ({w['type']}, N={w['N']:.0e}, "
              f"D={w['D']}, K={w['K']}); mean score difference {np.mean([r['score_diff'] for r in rows]):+.1e}")
        return

    if args.flatness:
        Ns = [int(float(n)) for n in args.N.split(',')]
        print("\ntime per sample and iteration, ns, at N = " + ", ".join(f"{N:.0e}" for N in Ns) + "; spread = largest / smallest")
        before = read_csv(args.csv) if args.append and args.csv and os.path.exists(args.csv) else []
        run, rows = 1 + max((int(r['run']) for r in before), default=0), []
        for ct in args.types.split(','):
            for D in [int(d) for d in args.D.split(',')]:
                for K in [int(k) for k in args.K.split(',')]:
                    r = dict(run=run, **bench_flatness(ct, D, K, Ns, args.reps or 5)); rows.append(r)
                    print(f"{ct:9s} D={D:3d} K={K:3d}  " + "  ".join(f"{r[f'ns_{N:.0e}']:8.1f}" for N in Ns) + f"   spread {r['spread']:.2f}", flush=True)
                    write_csv(args.csv, before + rows)
        flat = [r for r in rows if r['spread'] <= 1.25]
        print(f"\nwithin 25%: {len(flat)} of {len(rows)}; median spread {np.median([r['spread'] for r in rows]):.2f}, "
              f"largest {max(r['spread'] for r in rows):.2f}")
        return

    rows = []
    print('\n' + HEADER, flush=True)
    for ct in args.types.split(','):
        for N in [int(float(n)) for n in args.N.split(',')]:
            for D in [int(d) for d in args.D.split(',')]:
                for K in [int(k) for k in args.K.split(',')]:
                    r = bench_config(ct, N, D, K, args.reps or 3, args.threads, not args.no_memory, args.max_sk_seconds)
                    if r is None:
                        print(f"{ct:9s} {N:8.0e} {D:3d} {K:3d}  skipped: one scikit-learn iteration takes over {args.max_sk_seconds:.0f} s", flush=True)
                        continue
                    rows.append(r); print(format_row(r), flush=True)
                    write_csv(args.csv, rows)                       # rewritten after every row: a partial run is kept
    print()
    for line in summary(rows): print(line)
    if rows:
        g = geomean([r['ratio'] for r in rows]); w = min(rows, key=lambda r: r['ratio'])
        print(f"ALL: {len(rows)} configs, geometric mean ratio {g:.2f}, worst ratio {w['ratio']:.2f} "
              f"({w['type']}, N={w['N']:.0e}, D={w['D']}, K={w['K']})")


if __name__ == '__main__':
    main()
