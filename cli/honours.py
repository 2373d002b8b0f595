"""The 表彰 list as text and as a printable HTML page (one A4 sheet per section), for `shuxiang report honours`."""
from __future__ import annotations

from html import escape
from itertools import groupby

from core.reports.honours import Honours
from core.targets import grade_name, per_student_text


def render_honours_text(honours: Honours) -> str:
    """The list for the terminal."""
    lines = [f"【{honours.period.name} 表彰名单】", "", f"阅读之星（每个年级借阅不同的书最多的前{honours.stars_per_grade}名，并列同列；同一本书借多次只算一种）："]
    for grade, stars in groupby(honours.stars, key=lambda s: s.grade):
        lines.append(f"  {grade_name(grade)}：" + "、".join(f"{s.name}（{s.class_name}，{s.books}种）" for s in stars))
    if not honours.stars:
        lines.append("  本学期还没有学生借书。")
    lines += ["", "先进班级："]
    for c in honours.classes:
        vs = f"，目标{c.target:g}" if c.target else "，本年级最高"
        lines.append(f"  {c.name}：生均{per_student_text(c.per_student)}册{vs}")
    if not honours.classes:
        lines.append("  还没有班级达到生均目标。")
    return "\n".join(lines)


_STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em; color: #222; }
h1 { text-align: center; letter-spacing: .2em; } h2 { border-bottom: 2px solid #b33; padding-bottom: .2em; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5em; }
th, td { border: 1px solid #999; padding: .4em .6em; text-align: center; }
th { background: #f4e9e0; } .note { color: #666; font-size: .9em; }
section { page-break-after: always; } section:last-of-type { page-break-after: auto; }
@media print { body { margin: 1cm; } .note { display: none; } }
"""


def render_honours_html(honours: Honours, school: str) -> str:
    """A standalone page the librarian opens in a browser and prints (no scripts, no external files)."""
    term = escape(honours.period.name)
    star_rows = "".join(
        f"<tr><td>{grade_name(s.grade)}</td><td>{s.place}</td><td>{escape(s.name)}</td><td>{escape(s.class_name)}</td>"
        f"<td>{s.books}</td></tr>" for s in honours.stars) or '<tr><td colspan="5">本学期还没有学生借书</td></tr>'
    class_rows = "".join(
        f"<tr><td>{grade_name(c.grade)}</td><td>{escape(c.name)}</td><td>{per_student_text(c.per_student)}</td>"
        f"<td>{f'{c.target:g}' if c.target else '本年级最高'}</td><td>{c.loans}</td></tr>"
        for c in honours.classes) or '<tr><td colspan="5">还没有班级达到生均目标</td></tr>'
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{term} 表彰名单</title><style>{_STYLE}</style></head>
<body>
<section>
<h1>{escape(school)}<br>{term} 阅读之星</h1>
<table><tr><th>年级</th><th>名次</th><th>姓名</th><th>班级</th><th>本学期借阅（种）</th></tr>{star_rows}</table>
<p class="note">每个年级本学期借阅不同的书最多的{honours.stars_per_grade}位同学（同一本书借多次只算一种）；与最后一名一样多的同学一并列入。</p>
</section>
<section>
<h1>{escape(school)}<br>{term} 先进班级</h1>
<table><tr><th>年级</th><th>班级</th><th>生均借阅（册）</th><th>生均目标（册）</th><th>借阅册次</th></tr>{class_rows}</table>
<p class="note">生均借阅达到本年级目标的班级；没有设目标的年级取生均最高的班级。</p>
</section>
</body></html>
"""
