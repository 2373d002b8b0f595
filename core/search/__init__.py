"""Catalogue search: an in-memory index over titles, authors, ISBNs, pinyin and keywords."""
from core.search.results import MatchKind, SearchResult, ShelfSpot, TitleHit
from core.search.service import CatalogueSearch

__all__ = ["CatalogueSearch", "MatchKind", "SearchResult", "ShelfSpot", "TitleHit"]
