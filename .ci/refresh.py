"""Refresh the stored outputs of notebooks: run each top to bottom in place, then `nbdev_clean` it.

    python .ci/refresh.py NB [NB ...]           # re-execute these notebooks in place (from their own folder), clean them
    python .ci/refresh.py --check NB [NB ...]   # fail if a fresh run would change their text outputs (CI)

Notebooks are committed with their outputs, since the site is rendered from them; after editing a chapter, or
anything a page reads (the equation table reads every other notebook), refresh it. `--check` runs a copy and compares
the text of every output (streams, text/plain, text/markdown, text/html), so that a derived page cannot go stale:
CI runs it on the equation table. Figures are not compared (their bytes vary between machines).
"""
import json, os, subprocess, sys, tempfile
from pathlib import Path

root = Path(__file__).resolve().parent.parent
TEXT = ('text/plain', 'text/markdown', 'text/html')


def execute(src: Path, dst: Path) -> None:
    "Run notebook `src` top to bottom with its own folder as the working directory; write the result to `dst`."
    import nbformat
    from nbconvert.preprocessors import ExecutePreprocessor
    os.environ.pop('MPLBACKEND', None)        # the kernel's own inline backend, or no figure would be stored
    nb = nbformat.read(src, as_version=4)
    ExecutePreprocessor(timeout=1800, kernel_name='python3').preprocess(nb, {'metadata': {'path': str(src.parent)}})
    nbformat.write(nb, dst)


def clean(path: Path) -> None:
    subprocess.run(['nbdev_clean', '--fname', str(path)], cwd=root, check=True)


def texts(path: Path) -> list:
    "The text of every output of every code cell, cell by cell."
    out = []
    for c in json.loads(path.read_text())['cells']:
        if c['cell_type'] != 'code':
            continue
        cell = []
        for o in c.get('outputs', []):
            if o.get('output_type') == 'stream':
                cell.append(''.join(o['text']))
            for k in TEXT:
                if k in o.get('data', {}):
                    cell.append(''.join(o['data'][k]))
        out.append(cell)
    return out


def main(args) -> int:
    check = '--check' in args
    paths = [Path(a).resolve() for a in args if a != '--check']
    if not paths:
        sys.exit(__doc__)
    stale = []
    for p in paths:
        if not check:
            execute(p, p)
            clean(p)
            print(f"refreshed {p.relative_to(root)}")
            continue
        with tempfile.TemporaryDirectory() as d:
            fresh = Path(d) / p.name
            execute(p, fresh)
            clean(fresh)
            if texts(fresh) != texts(p):
                stale.append(str(p.relative_to(root)))
    if stale:
        print(f"stale outputs in {', '.join(stale)}: run `python .ci/refresh.py {' '.join(stale)}` and commit")
        return 1
    if check:
        print(f"outputs up to date in {len(paths)} notebook(s)")
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
