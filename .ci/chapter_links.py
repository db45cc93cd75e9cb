"""End every chapter with links to the previous and the next one, in the site's reading order.

The site has two parts, each a folder of nbs/ and a section of nbdev's sidebar: the book (nbs/index.ipynb, then
nbs/book/) and the library (nbs/library/, then its appendix nbs/library/appendix/). Links run within a part, in the
sidebar's order (by file name within a folder); a link is relative to the page and uses the site's page name (nbdev
drops the number: `book/03_em.ipynb` is `book/em.html`) and the chapter's title (its first `# ` heading).
The links are the notebook's last cell, a markdown cell that starts with MARK; running this again rewrites that cell.
`python .ci/chapter_links.py` writes them; `--check` fails if any notebook's links are missing or out of date.
"""
import json, os, re, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
MARK = "<!-- chapter links: written by .ci/chapter_links.py -->"

def part(*folders) -> list[Path]: return [p for f in folders for p in sorted((root / 'nbs' / f).glob('*.ipynb'))]

def parts() -> list[list[Path]]:
    "The site's two parts in reading order: [the index and the book], [the library and its appendix]."
    return [[root / 'nbs' / 'index.ipynb'] + part('book'), part('library', 'library/appendix')]

def chapters() -> list[Path]: return [p for ps in parts() for p in ps]

def site_name(p:Path, here:Path) -> str:
    "The page of notebook `p` as a link from a page in folder `here`."
    from nbdev.doclinks import _nbpath2html                      # nbdev's own rule for a notebook's page name
    return os.path.relpath(_nbpath2html(p), here)

def title(nb) -> str:
    for c in nb['cells']:
        m = re.search(r"^# (.+)$", ''.join(c['source']), re.M) if c['cell_type'] == 'markdown' else None
        if m: return m[1].strip()
    return 'Introduction'

def links_cell(prev, nxt) -> str:
    parts = ([f"[← {prev[0]}]({prev[1]})"] if prev else []) + ([f"[{nxt[0]} →]({nxt[1]})"] if nxt else [])
    return MARK + "\n\n---\n\n" + " · ".join(parts)

def updated(paths) -> dict:
    "{path: notebook with its links cell as it should be}, for the pages `paths` of one part."
    nbs = {p: json.loads(p.read_text()) for p in paths}
    names = ['Introduction' if p.name == 'index.ipynb' else title(nbs[p]) for p in paths]
    out = {}
    for i, p in enumerate(paths):
        nb = json.loads(json.dumps(nbs[p]))
        cells = [c for c in nb['cells'] if not (c['cell_type'] == 'markdown' and ''.join(c['source']).startswith(MARK))]
        link = lambda j: (names[j], site_name(paths[j], p.parent))
        text = links_cell(link(i - 1) if i else None, link(i + 1) if i + 1 < len(paths) else None)
        cells.append({'cell_type': 'markdown', 'id': 'chapter-links', 'metadata': {}, 'source': text.splitlines(keepends=True)})
        nb['cells'] = cells
        out[p] = nb
    return out

def dump(nb) -> str: return json.dumps(nb, indent=1, ensure_ascii=False) + '\n'

if __name__ == '__main__':
    paths = chapters()
    new = {p: nb for ps in parts() for p, nb in updated(ps).items()}
    stale = [p.name for p in paths if json.loads(p.read_text()) != new[p]]
    if '--check' in sys.argv:
        if stale: sys.exit(f"chapter links missing or out of date in {', '.join(stale)}: run `python .ci/chapter_links.py`")
        print(f"chapter links in step ({len(paths)} pages)")
    else:
        for p in paths:
            if p.name in stale: p.write_text(dump(new[p]))
        print(f"chapter links written to {len(stale)} of {len(paths)} notebooks")
