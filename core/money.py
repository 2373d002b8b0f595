"""Money is integer fen; this only formats it."""


def yuan(fen: int) -> str:
    """12345 → '123.45元'; whole yuan without decimals ('5元')."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    if fen % 100 == 0:
        return f"{sign}{fen // 100}元"
    return f"{sign}{fen // 100}.{fen % 100:02d}元"
