"""Lines a reader can take in: no line of gmm_nb/*.py over 120 characters, one statement a line.

`python .ci/lines.py` lists every line of the package's modules (not `_modidx.py`) that is over 120 characters or
joins statements with `;`, and fails if there is any. The one exception is the first line of the `__all__` that
nbdev writes itself (it wraps the list at 120 characters and then prefixes `__all__ = `): the notebooks cannot change
it. Fix a line in the notebook that exports it, then `nbdev_export`.
"""
import io, sys, tokenize
from pathlib import Path

root = Path(__file__).resolve().parent.parent
MAX = 120


def problems(path: Path) -> list:
    "(line number, what is wrong) for each offending line of a module."
    text = path.read_text(encoding='utf-8')
    out = [(i, f"{len(line)} characters") for i, line in enumerate(text.splitlines(), 1)
           if len(line) > MAX and not line.startswith('__all__ = [')]
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.OP and tok.string == ';':
            out.append((tok.start[0], "statements joined by ';'"))
    return sorted(set(out))


if __name__ == '__main__':
    found = {p: problems(p) for p in sorted((root / 'gmm_nb').glob('*.py')) if p.name != '_modidx.py'}
    for p, ps in found.items():
        for i, why in ps:
            print(f"gmm_nb/{p.name}:{i}: {why}")
    n = sum(map(len, found.values()))
    print(f"{n} line(s) over {MAX} characters or joining statements, in {sum(bool(v) for v in found.values())} module(s)")
    sys.exit(1 if n else 0)
