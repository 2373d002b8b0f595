"""Statistics the school reports each term: figures, Excel workbooks and PNG charts."""
from core.reports.periods import NoTerm, Period, term_period, week_period
from core.reports.stats import ClassRow, Report, StudentRow, TitleRow, build_report
from core.reports.student import ReadingEntry, StudentReading, student_reading

__all__ = ["ClassRow", "NoTerm", "Period", "ReadingEntry", "Report", "StudentReading", "StudentRow", "TitleRow",
           "build_report", "student_reading", "term_period", "week_period"]
