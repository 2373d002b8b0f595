"""Labels for the collection and the readers: spine labels (索书号), barcode labels, reader cards.

`callnumber` splits a 索书号 into the lines a spine label prints, `layout` places labels on an A4
sticker sheet in millimetres, `code128` draws a barcode as an SVG string, `selection` finds the
copies or readers to print. No HTML framework here: the console renders what these return.
"""
