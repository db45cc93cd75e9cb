"""Private definitions of the package that no public name reaches (dead code), and lines per module.

Every top-level function and class of gmm_nb/*.py (and every method added with fastcore's `@patch`) is a node; a
definition refers to every name and attribute name it mentions. The roots are the public names: each module's
`__all__`, the public methods of public classes (patched ones included) and the dunder methods Python calls. A private
definition (leading underscore) that no root reaches, directly or through other definitions, is reported.

    python .ci/reachable.py           # report; exit 1 if a private definition is unreachable or a module is too long
"""
import ast, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent / 'gmm_nb'
MAX_LINES = 400                                    # per module, except the generated _modidx.py

def defs_of(path):
    "(name, node, is_patched_method) for every top-level def and class of a module."
    tree = ast.parse(path.read_text())
    out = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            patched = any(getattr(d, 'id', getattr(getattr(d, 'func', None), 'id', None)) == 'patch' for d in getattr(node, 'decorator_list', []))
            out.append((node.name, node, patched))
        elif isinstance(node, ast.Assign):                     # module-level constants and tables of functions
            for t in node.targets:
                if isinstance(t, ast.Name): out.append((t.id, node, False))
    return tree, out

def mentioned(node) -> set:
    "Every name and attribute name used inside a node."
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}

def main():
    nodes, roots, status = {}, set(), 0
    for path in sorted(root.glob('*.py')):
        if path.name in ('_modidx.py',): continue
        n_lines = len(path.read_text().splitlines())
        if path.name != '__init__.py' and n_lines > MAX_LINES: print(f"{path.name}: {n_lines} lines (over {MAX_LINES})"); status = 1
        tree, defs = defs_of(path)
        public = set()
        for node in tree.body:                                 # __all__
            if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == '__all__' for t in node.targets):
                public = {e.value for e in node.value.elts}
        for name, node, patched in defs:
            key = f"{path.stem}.{name}"
            nodes[key] = (name, mentioned(node))
            is_dunder = name.startswith('__') and name.endswith('__')
            if name in public or (patched and (not name.startswith('_') or is_dunder)) or is_dunder: roots.add(key)
            if isinstance(node, ast.ClassDef) and not name.startswith('_'):
                roots.add(key)                                 # its methods (in the class body) are part of it
        if path.name == '__init__.py': roots |= {k for k in nodes if k.startswith('__init__.')}
    by_name = {}
    for key, (name, _) in nodes.items(): by_name.setdefault(name, set()).add(key)
    seen, todo = set(), list(roots)
    while todo:
        key = todo.pop()
        if key in seen: continue
        seen.add(key)
        for ref in nodes[key][1]: todo.extend(by_name.get(ref, ()))
    dead = sorted(k for k, (name, _) in nodes.items() if name.startswith('_') and not name.startswith('__') and k not in seen)
    n_private = sum(1 for name, _ in nodes.values() if name.startswith('_') and not name.startswith('__'))
    for k in dead: print(f"unreachable from any public name: {k}")
    print(f"{n_private} private definitions, {len(dead)} reached by no public name")
    sys.exit(1 if dead or status else 0)

if __name__ == '__main__': main()
