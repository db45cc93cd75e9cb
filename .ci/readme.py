"""Write README.md from nbs/index.ipynb without Quarto (nbdev_readme needs Quarto, which these machines lack).

Markdown cells are copied; visible code cells become ```python blocks followed by their text output; `#| hide`
cells and images are left out. `python .ci/readme.py` writes README.md; `--check` fails if it is out of date.
"""
import json, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
HEADER = "<!-- Generated from nbs/index.ipynb by `python .ci/readme.py` (nbdev_readme needs Quarto). Edit the notebook, not this file. -->\n\n"

def cell_text(c): return ''.join(c['source'])

def render(nb):
    out = []
    for c in nb['cells']:
        src = cell_text(c).strip()
        if c['cell_type'] == 'markdown': out.append(src)
        elif c['cell_type'] == 'code' and src and not src.startswith('#| hide'):
            out.append(f"```python\n{src}\n```")
            text = ''.join(''.join(o.get('text', '')) for o in c.get('outputs', []) if o.get('output_type') == 'stream')
            if text.strip(): out.append(f"```\n{text.rstrip()}\n```")
    return HEADER + '\n\n'.join(out) + '\n'

if __name__ == '__main__':
    new = render(json.loads((root / 'nbs' / 'index.ipynb').read_text()))
    readme = root / 'README.md'
    if '--check' in sys.argv:
        if not readme.exists() or readme.read_text() != new:
            sys.exit("README.md is out of step with nbs/index.ipynb: run `python .ci/readme.py` and commit")
        print("README.md is in step with nbs/index.ipynb")
    else: readme.write_text(new)
