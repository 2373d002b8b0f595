"""The librarian's catalogue work (console and CLI): browse by 中图法 class, a title with its copies,
add titles and copies with proposed barcodes, edit, change a copy's status, bulk-tag titles.

Each service opens its own unit of work; every write bumps the catalogue version (search and the
parser's dictionary rebuild). Validation errors are `CatalogueError` with the form field they concern.
"""
