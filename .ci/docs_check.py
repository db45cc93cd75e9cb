#!/usr/bin/env python3
"""Check the documentation pages as a reader sees them, without Quarto.

Quarto cannot be installed on the project's machines, so the real site is built on GitHub by
`nbdev_docs`. This script is the local stand-in, run by hand and by `.ci/run`:

    python .ci/docs_check.py                  # every page of the repo (nbs/ -> _proc/, sub-folders included)
    python .ci/docs_check.py PATH [PATH ...]  # only these notebooks / folders of notebooks

A page is named by its notebook's path under nbs/ without the suffix (`book/03_em`); its HTML keeps that folder
(`_docs_check/book/03_em.html`, and the site's name `_docs_check/book/em.html`), so relative links between the book
and the library resolve as on the site. A run on some pages checks links only to the pages it rendered and to the
notebooks that exist in nbs/ (whose pages it did not render: those are counted as "not checked", not as broken).

1. Preprocess with nbdev. With no PATH, nbdev's own preprocessing writes `_proc/` (gitignored):
   the exact notebooks Quarto would render. We call `nbdev.serve.proc_nbs(force=True)`, the
   processing step of `nbdev_proc_nbs`, rather than the `nbdev_proc_nbs` command itself: without
   Quarto that command first tries to install Quarto (sudo + a download) and then runs
   `pip install -e "<repo>[dev]"`, and it also rewrites gmm_nb/_modidx.py, nbs/nbdev.yml and
   nbs/sidebar.yml. The notebooks it writes into `_proc/` are the same. Pages are
   `_proc/*.ipynb` minus names starting with `_`. A PATH given on the command line (a notebook, or
   a folder whose `*.ipynb` are taken) is run through the same nbdev processors
   (`nbdev.processors.FilterDefaults`, as `nbdev_proc_nbs` does) into `_docs_check/_proc_args/`.
   nbdev's processing executes a notebook's export, show_doc and import cells (for show_doc
   output); if that fails for a notebook, `nbdev_docs` would fail on it too, and that page FAILS
   here with the cell and the error (the other pages are still checked).
2. Render each processed notebook with `jupyter nbconvert --to html --no-prompt` into
   `_docs_check/` (gitignored; rebuilt from scratch on every run), from a copy (`_docs_check/_nb/`)
   that does what Quarto does and nbconvert does not (see `quarto_view`): the front matter
   becomes the title block; `#| echo/output/include: false` are applied; `#|` lines are not
   shown. MathJax is served locally, never from a CDN:
   MathJax 2 from the PyPI package `jupyter-server-mathjax` is copied to `_docs_check/mathjax/`
   with a small config `config/local/gmm_nb.js` that selects the STIX-Web web font (the only
   font that package ships; MathJax's default font renders \\mathcal badly).
   Quarto itself uses MathJax 3: this checks that the TeX is valid and typesets, not Quarto's CSS.
3. Serve `_docs_check/` from a tiny http.server on 127.0.0.1 (a thread, random free port) and open
   every page in headless Debian `chromium` driven by Playwright (a fresh temporary profile per
   run; `playwright install` is never used). If /usr/bin/chromium is missing and we are root with
   apt-get, it is installed with apt-get (about 25 s); otherwise the check fails and says so.
   Every request that is not to the loopback server (or a data:/blob: URL) is blocked, so the
   check never depends on the network.

Per page, a page FAILS on:
  * the page not loading (HTTP error) or no notebook cells in it;
  * any uncaught JavaScript error ('pageerror');
  * any console error, EXCEPT those about an external resource that we blocked (nbconvert's
    require.js and widget CDN scripts, the Font Awesome stylesheet that matplotlib's jshtml
    animations link to, ...): those are reported as warnings, since on the real site they load
    from their CDN and offline they cannot; likewise an uncaught "require/requirejs/define is not
    defined" on a page whose require.js was blocked is only a warning (it is an artefact of
    nbconvert's template, which Quarto does not use);
  * a failed or 4xx/5xx request to the local server (e.g. a missing MathJax file or font),
    except two harmless MathJax 2 artefacts listed at MATHJAX_ARTEFACT;
  * a link to another page of the site (a relative `NAME.html`, or the site's own address from
    settings.ini) whose page does not exist: every page is also written under its site name (nbdev's,
    without the number: `00_gaussian.html` is also `gaussian.html`), so links work here as there;
  * MathJax: not loaded, not finished (ready, then a callback queued behind its typesetting has run)
    within 30 s plus 0.1 s per formula, a formula without rendered output,
    a TeX error (merror, or an undefined macro shown in red), or a web font other than STIX-Web;
  * raw TeX left in the visible text outside code/output blocks: `$$`, `\\begin{`, `\\[`, `\\(`,
    or a `$...$` containing a backslash command (i.e. math that MathJax did not pick up);
  * the page-specific checks below.
A page that fails is checked once more before it counts as failed (a loaded 2-core machine can stall
one page); a pass on the second try is reported as a warning.
A full-page screenshot of every page is saved to `_docs_check/screenshots/NAME.png` (taken after
MathJax has finished, before any animation button is clicked).

Page-specific checks (configured in PAGE_CHECKS below; they are data-driven so they apply to
notebooks that do not exist yet):
  * kind "figure" -- a figure identified by a caption text such as "Fig. 9.8".
    CONVENTION: put a markdown heading (any level) whose text contains "Fig. 9.8" (or
    "Figure 9.8"), e.g. `## Fig. 9.8`, above the cell that draws the figure. The section under
    that heading, up to the next heading of the same or a higher level (deeper headings, such
    as show_doc's, stay inside it), must contain at least one loaded <img> (or an inline <svg>):
    a plot output or a jshtml animation frame. An <img> whose alt text contains "Fig. 9.8"
    (markdown `![Fig. 9.8 ...](...)`) also counts. If several headings match, one with an image
    is enough.
  * kind "jshtml" -- every matplotlib `HTML(anim.to_jshtml())` animation on a page is clicked
    once on its "Next frame" button; its slider value must advance by one and its frame <img>
    src must change; and every button must show something (text or an inline image), since an
    icon font from a CDN is not there offline.
  * kind "explorer" -- the page's own EM explorer (`gmm_nb.explorer.explorer_html`: a `div.gmm-explorer` with a
    canvas, an iteration slider, first/previous/next/last/play buttons and K, covariance, init and seed selects, drawn
    by an inline script). Every control is moved as a reader would (the slider with the Home, End and Left keys, each
    button clicked, each select set to another value) and each move must redraw the canvas (its toDataURL changes),
    put the slider where the move says (End: the slider's max; a new setting: its run's last iteration, with the
    slider's max that run's length) and raise no JavaScript error. The number of moves that passed is reported in the
    summary line ("explorer controls moved and redrawn: N").
  A check with "page": None applies to every page that has the feature and is SKIPPED (with a
  message, not counted) when no page has it yet; a check with "page": "NAME" (notebook stem,
  e.g. "11_em_figures") is SKIPPED while that page does not exist, and once it exists the page FAILS
  if the feature is missing.

Output: one line per page, `PASS NAME ...` or `FAIL NAME: reasons`, SKIP lines for page-specific
checks with nothing to check, then exactly `docs: N passed, N failed`. Exits 1 if any page failed
(2 if the check could not run at all).
"""
import argparse
import functools
import importlib
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "_docs_check"
SHOTS = OUT / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 30_000  # per page: load, MathJax (plus 0.1 s per formula), clicks


def _site_url():
    """The documentation site's address from settings.ini (doc_host + doc_baseurl), e.g. https://user.github.io/repo/."""
    import configparser
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "settings.ini")
    d = cfg["DEFAULT"] if cfg.has_section("DEFAULT") or cfg.defaults() else {}
    return (d.get("doc_host", "").rstrip("/") + "/" + d.get("doc_baseurl", "").strip("/") + "/") if d else ""


SITE_URL = _site_url()

# Page-specific checks; see the docstring. "page": None = any page that has it; "NAME" = that page.
PAGE_CHECKS = [
    {"name": "Bishop Fig. 9.8", "kind": "figure", "page": None,
     "caption": r"\bFig(?:ure|\.)\s*9\.8(?![0-9])"},
    {"name": "jshtml animation steps", "kind": "jshtml", "page": None},
    {"name": "EM explorer controls", "kind": "explorer", "page": "book/05_explorer"},
]

# Local request failures that are MathJax 2's own and invisible to a reader (ignored, not reported):
#  * about:blank -- the "MathJax_Blank" @font-face that the HTML-CSS output uses to detect when a
#    web font has loaded (Chromium logs a CORS error for it);
#  * mathjax/fonts/HTML-CSS/TeX/... -- fonts named in CSS for the visually hidden assistive-MathML
#    copy of each formula (e.g. \\mathcal -> MathJax_Script): jupyter-server-mathjax ships only the
#    STIX-Web fonts, which are the ones that draw the formulas readers see.
MATHJAX_ARTEFACT = re.compile(r"^about:blank$|/mathjax/fonts/HTML-CSS/TeX/")
MATHJAX_ARTEFACT_CONSOLE = re.compile(r"^Access to font at 'about:blank'")

MATHJAX_CONFIG_NAME = "local/gmm_nb"
MATHJAX_CONFIG_JS = """\
/* Written by .ci/docs_check.py: use MathJax 2's STIX-Web web font (shipped locally), nothing else. */
MathJax.Hub.Config({
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null},
  menuSettings: {zoom: "None"}
});
MathJax.Ajax.loadComplete("[MathJax]/config/local/gmm_nb.js");
"""
MATHJAX_URL = f"/mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe,{MATHJAX_CONFIG_NAME}"


def say(msg=""):
    print(msg, flush=True)


class SetupError(Exception):
    pass


# ---------------------------------------------------------------- setup
def ensure_chromium():
    if Path(CHROMIUM).exists():
        return
    if os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get"):
        say(f"== {CHROMIUM} is missing: installing Debian's chromium with apt-get (about 25 s)")
        log = OUT / "apt.log"
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        with open(log, "w") as f:
            for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
                r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=env)
                if r.returncode:
                    break
        if Path(CHROMIUM).exists():
            return
        tail = "".join(log.read_text(errors="replace").splitlines(True)[-15:])
        raise SetupError(f"apt-get could not install chromium (log: {log}):\n{tail}")
    raise SetupError(f"{CHROMIUM} is missing. Install Debian's chromium as root: "
                     "`apt-get update && apt-get install -y chromium` (do not use `playwright install`).")


def import_or_fail(module, pip_name):
    try:
        return importlib.import_module(module)
    except ImportError:
        raise SetupError(f"Python package `{pip_name}` is missing: `pip install -e \".[dev]\"` "
                         f"(it is in dev_requirements of settings.ini), or `pip install {pip_name}`.")


def setup_mathjax():
    jsm = import_or_fail("jupyter_server_mathjax", "jupyter-server-mathjax")
    src = Path(jsm.__file__).parent / "static"
    if not (src / "MathJax.js").exists():
        raise SetupError(f"jupyter-server-mathjax has no MathJax.js in {src}")
    dst = OUT / "mathjax"
    shutil.copytree(src, dst)
    cfg = dst / "config" / (MATHJAX_CONFIG_NAME + ".js")
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(MATHJAX_CONFIG_JS)


# ---------------------------------------------------------------- notebooks -> HTML
def _proc_error(e):
    """One line for an exception from nbdev's processors (which execute show_doc/export cells)."""
    head = (str(e).splitlines() or [type(e).__name__])[0].rstrip(" :")
    cause = e.__cause__
    msg = f"nbdev processing failed (nbdev_docs would too): {head}"
    if cause:
        msg += f" ({type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''})"
    if re.search(r"^\s*(import|from)\s", str(e), re.M):
        msg += ("; nbdev runs every cell that has an import (and export/show_doc cells) to build the docs,"
                " so keep imports in cells of their own")
    return msg


def nbdev_proc_one(src, dst):
    """nbdev's processing of one notebook, as nbdev.serve_drv.main does it; returns an error or None."""
    from nbdev.processors import FilterDefaults
    from nbdev.serve_drv import exec_nb
    os.environ["IN_TEST"] = "1"
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    try:
        exec_nb(Path(src).resolve(), Path(dst), FilterDefaults)
    except Exception as e:
        Path(dst).unlink(missing_ok=True)
        return _proc_error(e)
    finally:
        os.environ.pop("IN_TEST", None)


def nbdev_proc_repo():
    """nbdev's preprocessing of nbs/ into _proc/ (see the docstring for why not the CLI).

    Returns ([processed notebooks], {stem: error}). nbdev stops at the first notebook whose
    processing fails; then each notebook is processed on its own to tell which ones fail.
    """
    from nbdev.config import get_config
    from nbdev.serve import proc_nbs
    cfg = get_config()
    cache = cfg.config_path / "_proc"
    try:
        proc_nbs(force=True)
        errs = {}
    except Exception:
        srcs = notebooks(Path(cfg.nbs_path))
        errs = {page_key(p, cfg.nbs_path): nbdev_proc_one(p, cache / p.relative_to(cfg.nbs_path)) for p in srcs}
        errs = {k: v for k, v in errs.items() if v}
    nbs = [p for p in notebooks(cache) if page_key(p, cache) not in errs]
    return [(page_key(p, cache), p) for p in nbs], errs


def notebooks(folder):
    """The pages' notebooks under `folder`, sub-folders included (not those whose name or folder starts with `_`)."""
    folder = Path(folder)
    return sorted(p for p in folder.rglob("*.ipynb")
                  if not any(part.startswith(("_", ".")) for part in p.relative_to(folder).parts))


def page_key(p, root):
    """A page's name: its notebook's path under `root` without the suffix, e.g. `book/03_em`."""
    return Path(p).resolve().relative_to(Path(root).resolve()).with_suffix("").as_posix()


def nbs_root():
    from nbdev.config import get_config
    return get_config().config_path / get_config().nbs_path


def nbdev_proc_paths(paths):
    """Run the same nbdev processors as nbdev_proc_nbs on notebooks given on the command line."""
    nbs = []
    for p in map(Path, paths):
        if p.is_dir():
            nbs += notebooks(p)
        elif p.suffix == ".ipynb" and p.is_file():
            nbs.append(p)
        else:
            raise SetupError(f"not a notebook or a folder: {p}")
    root = nbs_root().resolve()
    keys = [page_key(p, root) if p.resolve().is_relative_to(root) else p.stem for p in nbs]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise SetupError(f"two notebooks share a name: {', '.join(dup)}")
    dest = OUT / "_proc_args"
    errs = {}
    for k, p in zip(keys, nbs):
        (dest / k).parent.mkdir(parents=True, exist_ok=True)
        errs[k] = nbdev_proc_one(p, dest / f"{k}.ipynb")
    errs = {k: v for k, v in errs.items() if v}
    return [(k, dest / f"{k}.ipynb") for k in keys if k not in errs], errs


_DIRECTIVE = re.compile(r"^#\|\s*([\w-]+)\s*:\s*(.*?)\s*$")
_LINK_ATTRS = re.compile(r"(\]\([^)\s]*\))\{[^{}\n]*\}")  # [text](url){target="_blank" ...}


def quarto_view(nbs):
    """Copies of the processed notebooks (in _docs_check/_nb/) with what Quarto does and nbconvert
    does not, so that the HTML and screenshots look like the site:
      * the YAML front matter (a raw cell nbdev makes from `# Title` / `> description`) becomes
        a title block (markdown `# title` + description) instead of raw text;
      * cell options `#| echo: false` (hide the code), `#| output: false` (hide the outputs) and
        `#| include: false` (hide the cell) are applied, and `#|` lines are not shown;
      * Pandoc link attributes `[text](url){target="_blank" ...}` (show_doc's source links)
        are dropped.
    """
    import nbformat
    import yaml
    dest = OUT / "_nb"
    out = []
    for key, p in nbs:
        nb = nbformat.read(p, as_version=4)
        cells = []
        for c in nb.cells:
            src = c.source.strip()
            if c.cell_type == "raw" and not cells and src.startswith("---") and src.endswith("---"):
                try:
                    fm = yaml.safe_load(src.strip("-")) or {}
                except yaml.YAMLError:
                    fm = None
                if isinstance(fm, dict):
                    lines = [f"# {fm['title']}"] if fm.get("title") else []
                    if fm.get("description"):
                        lines.append(f"*{fm['description']}*")
                    cells.append(nbformat.v4.new_markdown_cell("\n\n".join(lines)))
                    continue
            if c.cell_type == "markdown":
                c.source = _LINK_ATTRS.sub(r"\1", c.source)
            if c.cell_type == "code":
                opts, body = {}, []
                for line in c.source.splitlines():
                    m = _DIRECTIVE.match(line)
                    if m and not body:
                        opts[m[1]] = m[2].strip("'\"").lower()
                    else:
                        body.append(line)
                if opts.get("include") == "false":
                    continue
                c.source = "\n".join(body)
                tags = c.metadata.setdefault("tags", [])
                if opts.get("echo") == "false":
                    tags.append("docs_check_remove_input")
                if opts.get("output") == "false":
                    tags.append("docs_check_remove_output")
                for o in c.get("outputs", []):
                    md = o.get("data", {}).get("text/markdown")
                    if md:
                        o["data"]["text/markdown"] = _LINK_ATTRS.sub(r"\1", "".join(md))
            cells.append(c)
        nb.cells = cells
        d = dest / f"{key}.ipynb"
        d.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, d)
        out.append((key, d))
    return out


def nbconvert(nbs):
    """`jupyter nbconvert --to html` into OUT, each page in its folder; returns {page: error or None}."""
    def run(paths, folder):
        cmd = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--no-prompt",
               "--output-dir", str(OUT / folder), f"--HTMLExporter.mathjax_url={MATHJAX_URL}",
               "--TagRemovePreprocessor.enabled=True",
               "--TagRemovePreprocessor.remove_input_tags=docs_check_remove_input",
               "--TagRemovePreprocessor.remove_all_outputs_tags=docs_check_remove_output",
               *map(str, paths)]
        return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    res = {k: None for k, _ in nbs}
    folders = {}
    for k, p in nbs:
        folders.setdefault(Path(k).parent.as_posix(), []).append((k, p))
    for folder, group in folders.items():
        if run([p for _, p in group], folder).returncode:
            for k, p in group:  # something failed: convert one by one to tell which
                r = run([p], folder)
                if r.returncode or not (OUT / f"{k}.html").exists():
                    lines = [l for l in r.stderr.splitlines() if l.strip()]
                    res[k] = "nbconvert failed: " + (lines[-1] if lines else f"exit {r.returncode}")
    for k, err in res.items():  # the site's name for each page (nbdev drops the number): links use those
        if not err and site_name(k) != k:
            shutil.copyfile(OUT / f"{k}.html", OUT / f"{site_name(k)}.html")
    return res


def site_name(key):
    """The page name nbdev gives a notebook on the site (its own rule): `book/01_gaussian` -> `book/gaussian`."""
    from nbdev.doclinks import _nbpath2html
    return _nbpath2html(Path(f"{key}.ipynb")).with_suffix("").as_posix()


def existing_pages():
    """The site names (and notebook names) of every notebook in nbs/: links to them are not broken."""
    root = nbs_root()
    keys = [page_key(p, root) for p in notebooks(root)]
    return {f"{k}.html" for k in keys} | {f"{site_name(k)}.html" for k in keys}


# ---------------------------------------------------------------- local server
class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(QuietHandler, directory=str(directory)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


# ---------------------------------------------------------------- in-page JavaScript
JS_MATHJAX_DONE = """() => { MathJax.Hub.Queue(() => { window.__docs_check_mathjax_done = true; }); }"""
JS_MATH_REPORT = r"""() => {
  const H = MathJax.Hub, out = MathJax.OutputJax && MathJax.OutputJax['HTML-CSS'];
  const jax = H.getAllJax(), unrendered = [], errors = [];
  for (const j of jax) {
    const tex = (j.originalText || '').trim().slice(0, 60);
    const frame = document.getElementById(j.inputID + '-Frame');
    if (!frame || frame.getBoundingClientRect().width <= 0) unrendered.push(tex);
    let mml = '';
    try { mml = j.root.toMathML(''); } catch (e) { mml = ''; }
    if (/<merror|mathcolor="red"/.test(mml)) errors.push(tex);
  }
  // visible text outside code, outputs' <pre> and MathJax's own elements
  const skip = 'pre, code, script, style, textarea, .MathJax, .MathJax_Display, .MathJax_Preview, '
             + '.MathJax_Assistive_MathML, .jp-InputArea-editor, .highlight';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: n => (n.parentElement && n.parentElement.closest(skip)) ? NodeFilter.FILTER_REJECT
                                                                    : NodeFilter.FILTER_ACCEPT});
  const blocks = new Map();
  for (let n; (n = walker.nextNode());) {
    const b = n.parentElement.closest('p, li, td, th, h1, h2, h3, h4, h5, h6, div') || document.body;
    blocks.set(b, (blocks.get(b) || '') + n.nodeValue);
  }
  const raw = [];
  const pats = [/\$\$/, /\\begin\{/, /\\\[/, /\\\(/, /\$[^$\n]*\\[A-Za-z]+[^$\n]*\$/];
  for (const text of blocks.values()) {
    for (const p of pats) {
      const m = p.exec(text);
      if (m) { const i = Math.max(0, m.index - 20); raw.push(text.slice(i, i + 70).replace(/\s+/g, ' ')); break; }
    }
  }
  return {njax: jax.length, unrendered, errors, raw,
          font: out ? (out.fontInUse || null) : null, imgFonts: out ? !!out.imgFonts : false,
          badFonts: [...document.fonts].filter(f => f.status === 'error' && !/^"?MathJax_/.test(f.family))
                                  .map(f => f.family)};
}"""

JS_FIGURES = r"""(src) => {
  const rx = new RegExp(src);
  const isH = e => /^H[1-6]$/.test(e.tagName);
  const shown = e => e.tagName === 'IMG' ? (e.complete && e.naturalWidth > 0)
                                         : e.getBoundingClientRect().width > 0;
  const els = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6, img, svg')]
    .filter(e => !(e.tagName.toLowerCase() === 'svg' && e.parentElement.closest('svg')));
  const found = [];
  els.forEach((e, i) => {
    if (e.tagName === 'IMG' && rx.test(e.alt || '')) {
      found.push({where: 'img alt "' + e.alt.slice(0, 40) + '"', n: 1, shown: shown(e) ? 1 : 0});
    }
    if (!isH(e) || !rx.test(e.textContent)) return;
    const lvl = +e.tagName[1], imgs = [];
    for (const f of els.slice(i + 1)) {
      if (isH(f)) { if (+f.tagName[1] <= lvl) break; continue; }
      imgs.push(f);
    }
    found.push({where: 'heading "' + e.textContent.replace(/\u00b6/g, '').trim().slice(0, 50) + '"',
                n: imgs.length, shown: imgs.filter(shown).length});
  });
  return found;
}"""

JS_ANIM_STATE = """(i) => {
  const a = document.querySelectorAll('div.animation')[i];
  const s = a.querySelector('input.anim-slider'), img = a.querySelector('img');
  return {value: s ? +s.value : null, max: s ? +s.max : null,
          src: img ? (img.getAttribute('src') || '') : ''};
}"""


# ---------------------------------------------------------------- per page
def is_local(url):
    sp = urlsplit(url)
    return sp.scheme in ("data", "blob", "about") or sp.hostname in ("127.0.0.1", "localhost", "::1")


def internal_target(href, resolved, base):
    """The file in OUT that a link to another page of the site points to, or None for anything else.

    `href` is the attribute as written, `resolved` the browser's absolute URL for it, `base` the local server's."""
    sp = urlsplit(href)
    site = SITE_URL and href.startswith(SITE_URL)
    if (sp.scheme or sp.netloc) and not site:
        return None
    if site:
        path = urlsplit(href[len(SITE_URL):]).path
    elif resolved.startswith(base):
        path = urlsplit(resolved[len(base):]).path
    else:
        return None
    return path.lstrip("/") if path.endswith(".html") else None


def _note(notes, name, entry):
    """Record once that a page-specific check ran on a page (a page checked twice is noted once)."""
    seen = notes.setdefault(name, [])
    if entry not in seen:
        seen.append(entry)


def check_page(context, base, stem, notes, known=frozenset()):
    """Open one page; return (errors, warnings, info dict)."""
    html = (OUT / f"{stem}.html").read_text(errors="replace")
    mathjax_budget = TIMEOUT_MS + 100 * html.count("$") // 2  # ~0.1 s more per formula on a loaded 2-core machine
    errors, warnings, blocked = [], [], []
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page_errors, console_errors, failed = [], [], []
    page.on("pageerror", lambda e: page_errors.append(str(e).splitlines()[0] if str(e) else repr(e)))
    page.on("console", lambda m: console_errors.append((m.text, (m.location or {}).get("url", "")))
            if m.type == "error" else None)
    page.on("requestfailed", lambda r: failed.append((r.url, r.failure)))
    page.on("response", lambda r: failed.append((r.url, f"HTTP {r.status}"))
            if r.status >= 400 and is_local(r.url) else None)

    def route(r):
        if is_local(r.request.url):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort("blockedbyclient")
    page.route("**/*", route)
    info = {"njax": 0}
    try:
        resp = page.goto(base + f"{stem}.html", wait_until="load")
        if resp is None or not resp.ok:
            errors.append(f"page did not load (HTTP {resp.status if resp else '?'})")
            return errors, warnings, info
        if page.locator(".jp-Cell").count() == 0:
            errors.append("no notebook cells on the page")
        links = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => [a.getAttribute('href'), a.href])")
        info["links"], info["unchecked"], broken = 0, 0, []
        for href, resolved in links:
            target = internal_target(href, resolved, base)
            if target is None:
                continue
            if (OUT / target).is_file():
                info["links"] += 1
            elif target in known:  # a page of the repo that this run did not render (a run on some pages)
                info["unchecked"] += 1
            else:
                info["links"] += 1
                broken.append(href)
        info["broken"] = len(broken)
        if broken:
            errors.append(f"{len(broken)} broken internal link(s), e.g. {broken[0]!r}")
        if not page.evaluate("() => !!(window.MathJax && MathJax.Hub)"):
            errors.append("MathJax did not load")
        else:  # MathJax's own completion signal: once started up, a callback queued behind its typesetting
            t_mj = time.time()
            page.wait_for_function("() => MathJax.isReady === true", timeout=mathjax_budget)
            page.evaluate(JS_MATHJAX_DONE)
            page.wait_for_function("() => window.__docs_check_mathjax_done === true",
                                   timeout=max(1000, mathjax_budget - 1000 * (time.time() - t_mj)))
            m = page.evaluate(JS_MATH_REPORT)
            info["njax"] = m["njax"]
            if m["unrendered"]:
                errors.append(f"{len(m['unrendered'])} formula(s) not rendered, e.g. {m['unrendered'][0]!r}")
            if m["errors"]:
                errors.append(f"TeX error in {len(m['errors'])} formula(s), e.g. {m['errors'][0]!r}")
            if m["raw"]:
                errors.append(f"raw TeX in visible text ({len(m['raw'])}x), e.g. {m['raw'][0]!r}")
            if m["njax"] and (m["font"] != "STIX-Web" or m["imgFonts"]):
                errors.append(f"MathJax font is {m['font']!r}, not the local STIX-Web web font")
            if m["badFonts"]:
                errors.append(f"fonts failed to load: {', '.join(sorted(set(m['badFonts'])))}")
        page.evaluate("() => document.fonts.ready.then(() => true)")
        (SHOTS / f"{stem}.png").parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{stem}.png"), full_page=True)

        # page-specific checks
        for chk in PAGE_CHECKS:
            if chk["page"] not in (None, stem):
                continue
            if chk["kind"] == "figure":
                found = page.evaluate(JS_FIGURES, chk["caption"])
                if found:
                    _note(notes, chk["name"], f"{stem} ({len(found)} caption(s))")
                    bad = [f for f in found if f["shown"] == 0]
                    if bad and len(bad) == len(found):
                        errors.append(f"{chk['name']}: no image shown under {bad[0]['where']}")
                elif chk["page"] == stem:
                    errors.append(f"{chk['name']}: no heading or image alt text matches /{chk['caption']}/")
            elif chk["kind"] == "jshtml":
                n = page.locator("div.animation").count()
                if n:
                    _note(notes, chk["name"], f"{stem} ({n} animation(s))")
                elif chk["page"] == stem:
                    errors.append(f"{chk['name']}: no jshtml animation on the page")
                for i in range(n):
                    errors += check_animation(page, i, chk["name"])
            elif chk["kind"] == "explorer":
                n = page.locator("div.gmm-explorer").count()
                if n:
                    _note(notes, chk["name"], f"{stem} ({n} explorer(s))")
                elif chk["page"] == stem:
                    errors.append(f"{chk['name']}: no explorer (div.gmm-explorer) on the page")
                for i in range(n):
                    errs, moved = check_explorer(page, i, chk["name"], page_errors)
                    errors += errs
                    info["explorer_moved"] = info.get("explorer_moved", 0) + moved
    except Exception as e:  # a Playwright timeout or crash: this page fails, the run goes on
        errors.append(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
    finally:
        page.close()

    blocked_hosts = sorted({urlsplit(u).hostname or u for u in blocked})
    required_blocked = any("require" in u for u in blocked)
    for msg in page_errors:
        if required_blocked and re.search(r"\b(require|requirejs|define) is not defined", msg):
            warnings.append(f"JS error after blocked require.js: {msg}")
        else:
            errors.append(f"JavaScript error: {msg}")
    for text, url in console_errors:
        if MATHJAX_ARTEFACT.search(url) or MATHJAX_ARTEFACT_CONSOLE.search(text):
            continue
        if (url and not is_local(url)) or (text.startswith("Failed to load resource") and blocked
                                          and "ERR_BLOCKED_BY_CLIENT" in text):
            continue  # about a blocked external resource: counted in the warning below
        errors.append(f"console error: {text.splitlines()[0][:150]}" + (f" [{url[:80]}]" if url else ""))
    for url, why in failed:
        if is_local(url) and not url.startswith(("data:", "blob:")) and not MATHJAX_ARTEFACT.search(url):
            errors.append(f"local request failed: {url.split('/', 3)[-1][:80]} ({why})")
    if blocked:
        warnings.append(f"{len(blocked)} external resource(s) blocked ({', '.join(blocked_hosts)})")
    return errors, warnings, info


JS_EMPTY_BUTTONS = """(i) => [...document.querySelectorAll('div.animation')[i].querySelectorAll('button')]
  .filter(b => b.getBoundingClientRect().width === 0 || !(b.innerText.trim() !== ''
                 || [...b.querySelectorAll('svg, img')].some(e => e.getBoundingClientRect().width > 0)))
  .map(b => b.title || b.outerHTML.slice(0, 60))"""


def check_animation(page, i, name):
    errs = []
    anim = page.locator("div.animation").nth(i)
    nxt = anim.locator('button[title="Next frame"]')
    if nxt.count() != 1 or anim.locator("input.anim-slider").count() != 1:
        return [f"{name} #{i + 1}: no 'Next frame' button or slider"]
    empty = page.evaluate(JS_EMPTY_BUTTONS, i)
    info_buttons = anim.locator("button").count()
    if empty:
        errs.append(f"{name} #{i + 1}: {len(empty)} of {info_buttons} buttons show nothing (e.g. {empty[0]!r}): "
                    "icons from a font that is not on the page?")
    pause = anim.locator('button[title="Pause"]')
    if pause.count():
        pause.click()
    try:  # the animation object is created in a setTimeout(0) and then shows frame 0
        page.wait_for_function("(i) => document.querySelectorAll('div.animation')[i]"
                               ".querySelector('img').getAttribute('src')", arg=i, timeout=5000)
    except Exception:
        return [f"{name} #{i + 1}: no frame shown (the animation's script did not run)"]
    before = page.evaluate(JS_ANIM_STATE, i)
    if before["max"] is None or before["max"] < 1:
        return [f"{name} #{i + 1}: only one frame"]
    if before["value"] >= before["max"]:  # start from the first frame so that Next can advance
        anim.locator('button[title="First frame"]').click()
        before = page.evaluate(JS_ANIM_STATE, i)
    nxt.click()
    try:
        page.wait_for_function(
            "([i, v]) => +document.querySelectorAll('div.animation')[i].querySelector('input.anim-slider').value !== v",
            arg=[i, before["value"]], timeout=3000)
    except Exception:
        pass
    after = page.evaluate(JS_ANIM_STATE, i)
    if after["value"] != before["value"] + 1:
        errs.append(f"{name} #{i + 1}: slider went {before['value']} -> {after['value']} on 'Next frame'")
    if after["src"] == before["src"]:
        errs.append(f"{name} #{i + 1}: frame image did not change on 'Next frame'")
    return errs


JS_EXPLORER_STATE = """(i) => {
  const e = document.querySelectorAll('div.gmm-explorer')[i], s = e.querySelector('input[name="iteration"]');
  const st = e.querySelector('.emx-status');
  return {png: e.querySelector('canvas').toDataURL(), t: +s.value, max: +s.max, status: st ? st.textContent : ''};
}"""


def check_explorer(page, i, name, page_errors):
    """Move every control of explorer #i; return (errors, number of moves that redrew as they should)."""
    ex = page.locator("div.gmm-explorer").nth(i)
    state = lambda: page.evaluate(JS_EXPLORER_STATE, i)
    if not state()["status"]:
        return [f"{name} #{i + 1}: nothing drawn (the explorer's script did not run)"], 0
    errs, moved = [], 0
    slider = ex.locator('input[name="iteration"]')
    button = lambda step: ex.locator(f'button[data-step="{step}"]')

    def key(k):
        slider.focus()
        page.keyboard.press(k)

    def pick(sel):  # another option of a select
        opts = sel.evaluate("s => [...s.options].map(o => o.value).filter(v => v !== s.value)")
        sel.select_option(opts[-1])

    def play():  # from iteration 1: a few frames on, then stopped (if it has not reached the end)
        button("play").click()
        page.wait_for_timeout(500)
        if button("play").inner_text().strip().endswith("stop"):
            button("play").click()

    at_end = lambda b, a: a["t"] == a["max"] and a["status"] != b["status"]
    moves = [("slider: Home key", lambda: key("Home"), lambda b, a: a["t"] == 0),
             ("slider: End key", lambda: key("End"), lambda b, a: a["t"] == a["max"] > 0),
             ("slider: Left key", lambda: key("ArrowLeft"), lambda b, a: a["t"] == b["t"] - 1),
             ("button last", lambda: button("last").click(), lambda b, a: a["t"] == a["max"]),
             ("button prev", lambda: button("prev").click(), lambda b, a: a["t"] == a["max"] - 1),
             ("button first", lambda: button("first").click(), lambda b, a: a["t"] == 0),
             ("button next", lambda: button("next").click(), lambda b, a: a["t"] == 1),
             ("button play", play, lambda b, a: a["t"] > b["t"])]
    moves += [(f"select {n}", functools.partial(pick, ex.locator(f'select[name="{n}"]')), at_end)
              for n in ("K", "covariance", "init", "seed")]
    for label, action, expect in moves:
        before, n_err = state(), len(page_errors)
        try:
            action()
        except Exception as e:
            errs.append(f"{name} #{i + 1}: {label}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
            continue
        after, problems = state(), []
        if after["png"] == before["png"]:
            problems.append("canvas not redrawn")
        if not expect(before, after):
            problems.append(f"slider {before['t']}/{before['max']} -> {after['t']}/{after['max']}, "
                            f"status {after['status'][:60]!r}")
        if len(page_errors) > n_err:
            problems.append(f"JavaScript error: {page_errors[n_err]}")
        if problems:
            errs.append(f"{name} #{i + 1}: {label}: {'; '.join(problems)}")
        else:
            moved += 1
    return errs, moved


# ---------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="*", help="notebooks or folders of notebooks (default: the repo's nbs/)")
    args = ap.parse_args(argv)
    t0 = time.time()
    os.chdir(ROOT)
    # nbdev warns (with the whole cell) about cells mixing imports and code; a cell that then fails
    # is reported on the page's FAIL line. Also for nbdev's worker processes (they inherit the env).
    quiet = "ignore:Found cells containing imports:UserWarning"
    os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), quiet]))
    warnings.filterwarnings("ignore", "Found cells containing imports", UserWarning)
    if OUT.exists():
        shutil.rmtree(OUT)
    SHOTS.mkdir(parents=True)
    try:
        sync_api = import_or_fail("playwright.sync_api", "playwright")
        ensure_chromium()
        setup_mathjax()
        t = time.time()
        nbs, proc_errs = nbdev_proc_paths(args.paths) if args.paths else nbdev_proc_repo()
        if not nbs and not proc_errs:
            raise SetupError("no notebooks to check")
        t_proc = time.time() - t
        t = time.time()
        converted = nbconvert(quarto_view(nbs)) if nbs else {}
        converted.update(proc_errs)
        t_conv = time.time() - t
    except SetupError as e:
        say(f"FAIL setup: {e}")
        say("docs: 0 passed, 1 failed")
        return 2
    pages = sorted(converted)
    known = existing_pages()
    say(f"== docs check: {len(pages)} page(s); nbdev processing {t_proc:.1f} s, nbconvert {t_conv:.1f} s; "
        f"HTML and screenshots in {OUT.relative_to(ROOT)}/")

    httpd, base = serve(OUT)
    passed = failed = links = broken = moved = unchecked = 0
    notes = {}
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
                                         timeout=60_000)
            context = browser.new_context(viewport={"width": 1100, "height": 900}, service_workers="block")
            for stem in pages:
                if converted.get(stem):
                    errors, warns, info = [converted[stem]], [], {"njax": 0}
                else:
                    errors, warns, info = check_page(context, base, stem, notes, known)
                    if errors:  # once more, alone, before failing: a loaded machine can stall one page
                        errors2, warns, info = check_page(context, base, stem, notes, known)
                        if not errors2:
                            warns.append(f"passed on the second try (first: {'; '.join(errors)[:120]})")
                        errors = errors2
                links += info.get("links", 0)
                broken += info.get("broken", 0)
                moved += info.get("explorer_moved", 0)
                unchecked += info.get("unchecked", 0)
                shot = SHOTS / f"{stem}.png"
                tail = f"; warnings: {'; '.join(warns)}" if warns else ""
                if errors:
                    failed += 1
                    say(f"FAIL {stem}: {'; '.join(errors)}{tail}")
                else:
                    passed += 1
                    say(f"PASS {stem}: {info['njax']} formulas typeset, screenshot "
                        f"{shot.relative_to(ROOT)}{tail}")
            browser.close()
    finally:
        httpd.shutdown()
    stems = set(pages)
    for chk in PAGE_CHECKS:
        if chk["page"] is not None and chk["page"] not in stems:
            gone = not (nbs_root() / f"{chk['page']}.ipynb").exists()
            say(f"SKIP {chk['name']}: page {chk['page']!r} " + ("does not exist yet" if gone else "not in this run"))
        elif chk["page"] is not None and converted.get(chk["page"]):
            say(f"SKIP {chk['name']}: page {chk['page']!r} was not rendered (see its FAIL line)")
        elif chk["page"] is None and chk["name"] not in notes:
            what = ("no heading or image alt text matching /%s/" % chk["caption"] if chk["kind"] == "figure"
                    else "no jshtml animation" if chk["kind"] == "jshtml" else "no explorer")
            unchecked = [st for st in pages if converted.get(st)]
            say(f"SKIP {chk['name']}: {what} on any page yet"
                + (f" (pages not rendered: {', '.join(unchecked)})" if unchecked else ""))
        else:
            say(f"  ({chk['name']} checked on: {', '.join(notes.get(chk['name'], [chk['page']]))})")
    sizes = {st: (OUT / f"{st}.html").stat().st_size for st in pages if (OUT / f"{st}.html").exists()}
    big = max(sizes, key=sizes.get) if sizes else None
    anims = sum(int(n.split("(")[1].split()[0]) for n in set(notes.get("jshtml animation steps", [])))
    say(f"== docs summary: {len(pages)} pages; {links} internal links checked, {broken} broken"
        + (f", {unchecked} to pages not rendered in this run not checked" if unchecked else "") + "; "
        f"{anims} animation(s) stepped{', every button visible' if anims else ''}; "
        f"explorer controls moved and redrawn: {moved}; largest page {big} ({sizes.get(big, 0) / 1e6:.1f} MB)")
    say(f"== docs check done in {time.time() - t0:.0f} s")
    say(f"docs: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
