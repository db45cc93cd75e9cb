"""Variational EM iterations of gmm_nb.BayesianGaussianMixture against scikit-learn's: seconds per iteration.

For each configuration (covariance type, N, D, K) both estimators fit the same data (a synthetic mixture, seeded,
from bench_em.make_data) with `tol=0`, so that both run exactly the requested number of iterations. The seconds
per iteration of each are, after a first fit of one iteration, the time of a warm-started fit (`warm_start=True`, no
k-means) of 1 + m iterations minus that of one of 1 iteration, over m: this removes input validation, the start and
the final E step. The libraries are timed in alternation,
`--reps` pairs, and the ratio is the median of the per-pair ratios sklearn/gmm_nb. The BLAS runs on one thread
(threadpoolctl), the stable comparison. Both use the Dirichlet-process prior (the default) with scikit-learn's
default priors, and the same `random_state`.

    cd nbs/benchmarks && python bench_vb.py --csv results_vb.csv     # a few minutes on a 2-core machine
"""
import argparse, csv, os, sys, time, warnings
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_em import make_data

TYPES = ('full', 'tied', 'diag', 'spherical')
FIELDS = ('covariance_type', 'N', 'D', 'K', 'gmm_nb_s_per_iter', 'sklearn_s_per_iter', 'ratio')


def seconds(est, X, n_iter:int) -> float:
    "Wall-clock seconds of est.fit(X) continuing for n_iter iterations from its fitted state (warm start: no k-means)."
    est.set_params(warm_start=True, max_iter=n_iter)
    time.sleep(0.1)                                          # BLAS threads settle
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')                      # ConvergenceWarning: tol=0 never converges
        est.fit(X)
    return time.perf_counter() - t


def per_iteration(make, X, m:int) -> float:
    "Seconds per iteration: (time of 1 + m warm iterations - time of 1) / m, after a first fit of one iteration."
    est = make(max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        est.fit(X)
    return (seconds(est, X, 1 + m) - seconds(est, X, 1)) / m


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--csv', default=os.path.join(HERE, 'results_vb.csv'))
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--iters', type=int, default=10)
    ap.add_argument('--grid', default='20000:2:5,20000:10:10,200000:2:5,200000:10:10', help='N:D:K,...')
    args = ap.parse_args()
    from threadpoolctl import threadpool_limits
    from sklearn.mixture import BayesianGaussianMixture as Sk
    from gmm_nb import BayesianGaussianMixture as Ours
    rows = []
    with threadpool_limits(limits=1, user_api='blas'):
        for ct in TYPES:
            for cfg in args.grid.split(','):
                N, D, K = map(int, cfg.split(':'))
                X = make_data(N, D, K, seed=0)
                kw = dict(n_components=K, covariance_type=ct, tol=0, random_state=0)
                ours, sk, ratios = [], [], []
                for _ in range(args.reps):
                    o = per_iteration(lambda **a: Ours(**kw, **a), X, args.iters)
                    s = per_iteration(lambda **a: Sk(**kw, **a), X, args.iters)
                    ours.append(o); sk.append(s); ratios.append(s / o)
                row = dict(covariance_type=ct, N=N, D=D, K=K, gmm_nb_s_per_iter=f"{np.median(ours):.4g}",
                           sklearn_s_per_iter=f"{np.median(sk):.4g}", ratio=f"{np.median(ratios):.3g}")
                print(row, flush=True)
                rows.append(row)
    with open(args.csv, 'w', newline='') as f:
        w = csv.DictWriter(f, FIELDS)
        w.writeheader(); w.writerows(rows)


if __name__ == '__main__':
    main()
