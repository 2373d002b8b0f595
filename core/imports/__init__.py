"""Getting a school's data in: catalogue (CSV, Excel, MARC) and rosters, one transaction per import."""
from core.imports.catalogue import import_catalogue
from core.imports.readers import import_readers
from core.imports.report import Change, ImportReport, RowProblem
from core.imports.sources import Source, open_source
from core.imports.tables import SourceRow, UnreadableFile

__all__ = ["Change", "ImportReport", "RowProblem", "Source", "SourceRow", "UnreadableFile",
           "import_catalogue", "import_readers", "open_source"]
