"""Timing attacks: many columns; many rows sharing one ISBN with --same-isbn separate; one huge cell."""
import sys
import time

from h import imp

def wide(ncols, path="wide.csv"):
    head = ["条形码", "书名", "定价"] + [f"备注{i}" for i in range(ncols)]
    row = ["B1", "草房子", "18"] + ["x"] * ncols
    open(path, "w").write(",".join(head) + "\n" + ",".join(row) + "\n")
    return path

def shared_isbn(n, path="shared.csv"):
    lines = ["条形码,书名,ISBN,定价"] + [f"B{i},第{i}册,9787111037583,18" for i in range(n)]
    open(path, "w").write("\n".join(lines) + "\n")
    return path

what = sys.argv[1]
n = int(sys.argv[2])
t = time.time()
if what == "wide":
    lib, rep = imp(wide(n), dry_run=True)
elif what == "shared":
    lib, rep = imp(shared_isbn(n), dry_run=True, same_isbn="separate")
print(what, n, round(time.time() - t, 2), "s", rep.counts, len(rep.problems))
