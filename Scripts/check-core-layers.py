#!/usr/bin/env python3
"""No folder-level dependency cycles inside any target (issue 23's acceptance).

Within one target, a folder depends on another when one of its files names a
type declared there (comments and string literals stripped). The folders must
form a DAG; on a cycle this prints each edge of it with the files and names
that make it, and exits 1. Usage: Scripts/check-core-layers.py [TARGET_DIR ...]
(default: every target under Sources/).
"""
import os, re, sys

def check(root):
    label = os.path.basename(os.path.normpath(root))
    declared, texts = {}, {}
    for folder in sorted(os.listdir(root)):
        path = os.path.join(root, folder)
        if not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            if not name.endswith(".swift"):
                continue
            text = open(os.path.join(path, name), encoding="utf-8").read()
            text = re.sub(r"/\*.*?\*/", "", re.sub(r"//.*", "", text), flags=re.S)
            text = re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', text)
            texts[(folder, name)] = text
            for m in re.finditer(r"^(?:public |package |internal )?(?:final )?(?:struct|enum|class|protocol|typealias) (\w+)", text, re.M):
                declared.setdefault(m.group(1), folder)

    edges = {}
    for (folder, name), text in texts.items():
        for word in set(re.findall(r"\b[A-Z]\w+\b", text)):
            target = declared.get(word)
            if target and target != folder:
                edges.setdefault(folder, {}).setdefault(target, set()).add(f"{name}:{word}")

    def cycle_from(start):
        stack, on_path = [(start, iter(sorted(edges.get(start, {}))))], [start]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop(); on_path.pop(); continue
            if child == start:
                return on_path + [start]
            if child not in on_path:
                stack.append((child, iter(sorted(edges.get(child, {})))))
                on_path.append(child)
        return None

    for folder in sorted(edges):
        cycle = cycle_from(folder)
        if cycle:
            print(f"{label}: folders depend on each other in a cycle:", " → ".join(cycle))
            for a, b in zip(cycle, cycle[1:]):
                print(f"  {a} → {b}: {', '.join(sorted(edges[a][b])[:5])}")
            return False
    print(f"{label}: no folder cycles (" + ", ".join(f"{a} → {'/'.join(sorted(edges.get(a, {}))) or '-'}" for a in sorted({f for f, _ in texts})) + ")")
    return True

sources = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources")
roots = sys.argv[1:] or [os.path.join(sources, t) for t in sorted(os.listdir(sources)) if os.path.isdir(os.path.join(sources, t))]
results = [check(r) for r in roots]
sys.exit(0 if all(results) else 1)
