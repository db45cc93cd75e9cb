"""Write README.md from nbs/index.ipynb without Quarto (nbdev_readme needs Quarto, which these machines lack).

Markdown cells are copied; visible code cells become ```python blocks followed by their text output; `#| hide`
cells are left out. A figure in a code cell's output is written to nbs/images/ and shown in the README by its
absolute raw-GitHub URL; links to the site's pages (`book/gaussian.html`) become absolute URLs of the documentation site
(settings.ini's doc_host and doc_baseurl), so that they work on GitHub and on PyPI alike.
`python .ci/readme.py` writes README.md (and the images); `--check` fails if either is out of date.
"""
import base64, configparser, json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
HEADER = "<!-- Generated from nbs/index.ipynb by `python .ci/readme.py` (nbdev_readme needs Quarto). Edit the notebook, not this file. -->\n\n"
PAGE_LINK = re.compile(r"\]\((?![a-z]+:|/|#)([\w/.-]+\.html(?:#[\w-]+)?)\)")     # ](name.html) or ](name.html#anchor)

def settings() -> dict:
    cfg = configparser.ConfigParser(); cfg.read(root / 'settings.ini')
    return dict(cfg['DEFAULT'])

def cell_text(c): return ''.join(c['source'])

def render(nb) -> tuple[str, dict]:
    "(README text, {path relative to the repository: PNG bytes})."
    s = settings()
    site = s['doc_host'].rstrip('/') + '/' + s['doc_baseurl'].strip('/') + '/'
    raw = f"https://raw.githubusercontent.com/{s['user']}/{s['repo']}/{s['branch']}/"
    out, images = [], {}
    for c in nb['cells']:
        src = cell_text(c).strip()
        if c['cell_type'] == 'markdown': out.append(PAGE_LINK.sub(lambda m: f"]({site}{m[1]})", src))
        elif c['cell_type'] == 'code' and src and not src.startswith('#| hide'):
            out.append(f"```python\n{src}\n```")
            text = ''.join(''.join(o.get('text', '')) for o in c.get('outputs', []) if o.get('output_type') == 'stream')
            if text.strip(): out.append(f"```\n{text.rstrip()}\n```")
            for o in c.get('outputs', []):
                png = o.get('data', {}).get('image/png')
                if png:
                    path = f"nbs/images/readme_{len(images) + 1}.png"
                    images[path] = base64.b64decode(''.join(png))
                    out.append(f"![Figure {len(images)} of the introduction]({raw}{path})")
    return HEADER + '\n\n'.join(out) + '\n', images

if __name__ == '__main__':
    new, images = render(json.loads((root / 'nbs' / 'index.ipynb').read_text()))
    readme = root / 'README.md'
    if '--check' in sys.argv:
        stale = [p for p, b in images.items() if not (root / p).exists() or (root / p).read_bytes() != b]
        if not readme.exists() or readme.read_text() != new or stale:
            sys.exit("README.md or its images are out of step with nbs/index.ipynb: run `python .ci/readme.py` and commit")
        print("README.md is in step with nbs/index.ipynb")
    else:
        for p, b in images.items():
            (root / p).parent.mkdir(parents=True, exist_ok=True); (root / p).write_bytes(b)
        readme.write_text(new)
