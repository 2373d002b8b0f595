"""Builds the xlsx attack files."""
from openpyxl import Workbook

# 1. barcodes stored as numbers with a 0000000 display format (what Excel does when a column is typed in as numbers)
wb = Workbook(); ws = wb.active
ws.append(["条形码", "书名", "定价"])
ws.append([101, "草房子", 18]); ws["A2"].number_format = "0000000"
ws.append([102, "青铜葵花", 20]); ws["A3"].number_format = "0000000"
wb.save("zero_barcode.xlsx")

# 2. two sheets of catalogue: 中文图书 and 外文图书
wb = Workbook(); ws = wb.active; ws.title = "中文图书"
ws.append(["条形码", "书名", "定价"]); ws.append(["B1", "草房子", 18])
ws2 = wb.create_sheet("外文图书"); ws2.append(["条形码", "书名", "定价"]); ws2.append(["E1", "The Little Prince", 30])
wb.save("two_sheets.xlsx")

# 3. a hidden first sheet (an old copy) before the real one
wb = Workbook(); ws = wb.active; ws.title = "旧数据"; ws.sheet_state = "hidden"
ws.append(["条形码", "书名", "定价"]); ws.append(["OLD1", "旧书", 1])
ws2 = wb.create_sheet("馆藏"); ws2.append(["条形码", "书名", "定价"]); ws2.append(["B1", "草房子", 18])
wb.active = 1
wb.save("hidden_first.xlsx")

# 4. one title merged over three copies; price and call number merged too
wb = Workbook(); ws = wb.active
ws.append(["条形码", "书名", "定价", "索书号"])
ws.append(["B1", "草房子", 18, "I287/C1"]); ws.append(["B2", None, None, None]); ws.append(["B3", None, None, None])
ws.merge_cells("B2:B4"); ws.merge_cells("C2:C4"); ws.merge_cells("D2:D4")
wb.save("merged_copies.xlsx")

# 5. computed price (float noise) and a date as year
import datetime
wb = Workbook(); ws = wb.active
ws.append(["条形码", "书名", "定价", "出版日期"])
ws.append(["B1", "草房子", 18 * 0.8, datetime.date(2005, 3, 1)])
ws.append(["B2", "青铜葵花", 0.1 + 0.2 + 14.1, 38353]); ws["D3"].number_format = "yyyy-mm"
wb.save("float_price.xlsx")

# 6. header on row 12 under an export banner
wb = Workbook(); ws = wb.active
for i in range(11):
    ws.append([f"说明{i}"])
ws.append(["条形码", "书名", "定价"]); ws.append(["B1", "草房子", 18])
wb.save("header12.xlsx")
