"""gmm_nb's own time per EM iteration, one version of its code against another: the A/B that says whether a change
made the engine slower, free of scikit-learn's run-to-run spread (its time for one fit varies by up to 2x on a
shared machine, so ratios against it from runs at different times cannot be compared).

For each configuration (a sub-grid of bench_em.py's: 4 types x N 1e5, 1e6 x D 2, 10, 50 x K 3, 30), each version is
timed in a fresh process with PYTHONPATH pointing at its checkout, twice, in alternating order; per version the
least of the per-iteration times (bench_em.per_iteration, BLAS on one thread, 3 repetitions each); the ratio is
after / before. The last line gives their geometric mean and range.

    git worktree add /tmp/before <commit>            # the code to compare against
    python ab_code.py /tmp/before . --csv /tmp/ab.csv  # from nbs/benchmarks; about 40 minutes
"""
import argparse, csv, itertools, json, math, os, subprocess, sys

CHILD = r'''
import sys, json, warnings
sys.path.insert(0, sys.argv[5])
from bench_em import make_data, initial_params, per_iteration, iterations_for, fit_seconds
from threadpoolctl import threadpool_limits
warnings.simplefilter('ignore')
ct, N, D, K = sys.argv[1], int(float(sys.argv[2])), int(sys.argv[3]), int(sys.argv[4])
X = make_data(N, D, K); init = initial_params(X, K, ct)
with threadpool_limits(1, 'blas'):
    m = iterations_for(fit_seconds('gmm_nb', X, K, ct, 1, init)[0] / 2, 1.0)
    print(json.dumps(min(per_iteration('gmm_nb', X, K, ct, m, init)[0] for _ in range(3))))
'''

def seconds(checkout, ct, N, D, K) -> float:
    "Least per-iteration time of gmm_nb from `checkout`, in a fresh process."
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, PYTHONPATH=os.path.abspath(checkout))
    out = subprocess.run([sys.executable, '-c', CHILD, ct, str(N), str(D), str(K), here], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('before'); p.add_argument('after'); p.add_argument('--csv', default=None)
    args = p.parse_args()
    rows = []
    for ct, N, D, K in itertools.product(('full', 'diag', 'spherical', 'tied'), (10**5, 10**6), (2, 10, 50), (3, 30)):
        t = {}
        for rnd in range(2):
            for which in (('before', 'after') if rnd == 0 else ('after', 'before')):
                t[which] = min(t.get(which, math.inf), seconds(getattr(args, which), ct, N, D, K))
        rows.append(dict(type=ct, N=N, D=D, K=K, before_s=t['before'], after_s=t['after'], ratio=t['after'] / t['before']))
        print(f"{ct:9s} {N:8.0e} {D:3d} {K:3d}  before {t['before']:.4g}  after {t['after']:.4g}  after/before {rows[-1]['ratio']:.3f}", flush=True)
        if args.csv:
            with open(args.csv, 'w', newline='') as f: w = csv.DictWriter(f, fieldnames=list(rows[0])); w.writeheader(); w.writerows(rows)
    r = [x['ratio'] for x in rows]
    print(f"geometric mean after/before {math.exp(sum(map(math.log, r)) / len(r)):.3f}, range {min(r):.3f} to {max(r):.3f}, {len(r)} configs")

if __name__ == '__main__':
    main()
