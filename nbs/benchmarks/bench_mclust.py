"""select_model over mclust's fourteen models against R's Mclust, on the same data, one thread each, in the same run.

The data: 10,000 points in 5 dimensions from `bench_em.make_data(10_000, 5, 4, seed)` (a random mixture of 4
Gaussians: means ~ N(0, 4²), random full covariances), written to a temporary CSV file with 17 significant digits,
which R reads back (so both fit exactly the same numbers).

Timed, as the user waits:
* gmm_nb: `select_model(X, range(1, 10), covariance_types='mclust')` at its defaults, in this process, with the
  BLAS and OpenMP pinned to one thread (threadpoolctl);
* mclust: `Mclust(X, G = 1:9)` (its default: all fourteen models, its hierarchical start), timed inside R with
  `system.time` (elapsed), and separately the whole `Rscript` run as seen from here (start-up, loading mclust,
  reading the CSV); R runs with OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=1 (and the other BLAS thread variables).

Reported: both times, the ratio (mclust's time inside R over gmm_nb's), each one's choice of model and K with
its BIC (scikit-learn's sign, lower is better), gmm_nb's seconds per model (its nine fits, slowest first), appended as a row to `results_mclust.csv` beside this script
(`--csv` to write elsewhere). If `Rscript` or the mclust package is missing, the mclust columns are empty and
the script says so.

    cd nbs/benchmarks
    env -u OPENBLAS_CORETYPE python bench_mclust.py            # about a minute; --seed 1 for other data
"""
import argparse, csv, os, shutil, subprocess, sys, tempfile, time, warnings
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
THREADS = {v: '1' for v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS', 'OMP_THREAD_LIMIT')}
R_SCRIPT = r"""
suppressPackageStartupMessages(library(mclust))
X <- as.matrix(read.csv(commandArgs(TRUE)[1]))
t <- system.time(fit <- Mclust(X, G = 1:9, verbose = FALSE))[["elapsed"]]
cat(sprintf("%.6f %s %d %.6f %s\n", t, fit$modelName, fit$G, -fit$bic, packageVersion("mclust")))
"""
FIELDS = ('date', 'seed', 'N', 'D', 'gmm_seconds', 'gmm_model', 'gmm_K', 'gmm_bic', 'r_seconds', 'r_total_seconds',
          'r_model', 'r_K', 'r_bic', 'ratio', 'mclust_version', 'gmm_seconds_by_model')


def run_mclust(X:np.ndarray) -> dict:
    "Mclust(X, G = 1:9) in Rscript, one thread: its time inside R, the whole run's, its choice; {} if R or mclust is absent."
    if shutil.which('Rscript') is None: return {}
    with tempfile.TemporaryDirectory() as d:
        data, script = os.path.join(d, 'X.csv'), os.path.join(d, 'fit.R')
        np.savetxt(data, X, delimiter=',', fmt='%.17g', header=','.join(f'x{j}' for j in range(X.shape[1])),
                   comments='')
        with open(script, 'w') as f: f.write(R_SCRIPT)
        t0 = time.perf_counter()
        r = subprocess.run(['Rscript', script, data], capture_output=True, text=True, env={**os.environ, **THREADS})
        total = time.perf_counter() - t0
    if r.returncode != 0:
        print("mclust skipped: Rscript failed (is the mclust package installed?)\n" + r.stderr.strip()[-500:])
        return {}
    t, model, K, bic, version = r.stdout.split()
    return dict(r_seconds=float(t), r_total_seconds=round(total, 3), r_model=model, r_K=int(K), r_bic=float(bic),
                mclust_version=version)


def run_gmm(X:np.ndarray) -> dict:
    "select_model over the fourteen models and K = 1..9 at its defaults, one thread."
    from threadpoolctl import threadpool_limits
    from gmm_nb import select_model
    marks = []                                                        # (time, model) as each fit starts
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter('ignore')
        t0 = time.perf_counter()
        sel = select_model(X, range(1, 10), covariance_types='mclust',
                           progress=lambda i, n, K, ct: marks.append((time.perf_counter(), ct)))
        t = time.perf_counter() - t0
    per_model = {}                                                    # seconds of each model's nine fits
    for (a, ct), (b, _) in zip(marks, marks[1:] + [(t0 + t, None)]): per_model[ct] = per_model.get(ct, 0) + b - a
    K, model = sel.best()
    i, j = sel.n_components.index(K), sel.covariance_types.index(model)
    slowest = sorted(per_model.items(), key=lambda kv: -kv[1])
    return dict(gmm_seconds=round(t, 3), gmm_model=model, gmm_K=K, gmm_bic=round(float(sel.bic[i, j]), 4),
                gmm_seconds_by_model=' '.join(f"{m}:{s:.2f}" for m, s in slowest))


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--N', type=int, default=10_000)
    ap.add_argument('--csv', default=os.path.join(HERE, 'results_mclust.csv'))
    a = ap.parse_args()
    sys.path.insert(0, HERE)
    from bench_em import make_data
    X = make_data(a.N, 5, 4, seed=a.seed)
    row = dict(date=time.strftime('%Y-%m-%d %H:%M'), seed=a.seed, N=a.N, D=5, **run_mclust(X), **run_gmm(X))
    if 'r_seconds' in row: row['ratio'] = round(row['r_seconds'] / row['gmm_seconds'], 2)
    else: print("mclust not measured: Rscript or the mclust package is absent")
    for k in FIELDS: print(f"{k:16s} {row.get(k, '')}")
    new = not os.path.exists(a.csv)
    with open(a.csv, 'a', newline='') as f:
        w = csv.DictWriter(f, FIELDS)
        if new: w.writeheader()
        w.writerow({k: row.get(k, '') for k in FIELDS})
