"""Plain data shared by the write side and the read side.

Everything here is a dataclass that serialises to JSON-ready dicts, so the
embedded store, the Elasticsearch store, the CLI and the web page all speak
the same contract.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

MODES = ("hybrid", "keyword", "semantic")
SORTS = ("relevance", "newest")
# What the people and countries facets and filters count: the entities an
# article is *about* (Entity.about), or every one it mentions.
SCOPES = ("about", "mentioned")
MAX_SIZE = 100


@dataclass
class Mention:
    field: str  # "title" or "body"
    start: int
    end: int


@dataclass
class Entity:
    """A person or a country in one article, with every place it is mentioned."""

    kind: str  # "person" or "country"
    key: str  # canonical name for people, ISO alpha-2 code for countries
    label: str  # what a reader sees
    mentions: list[Mention] = field(default_factory=list)
    # How much the article is about this entity (headline, dateline, lead,
    # mentions); `about` entities fill the facets, every mention stays marked.
    salience: float = 1.0
    about: bool = True

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Entity":
        return cls(d["kind"], d["key"], d["label"], [Mention(**m) for m in d.get("mentions", [])],
                   d.get("salience", 1.0), d.get("about", True))


@dataclass
class Article:
    id: str
    title: str
    body: str
    published: dt.date | None = None
    source: str | None = None
    url: str | None = None
    topic: str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["published"] = self.published.isoformat() if self.published else None
        return d


@dataclass
class Passage:
    start: int  # character offsets into Article.body
    end: int


@dataclass
class IndexedArticle:
    """An article with everything the store needs: entities, passages, vectors."""

    article: Article
    content_hash: str
    entities: list[Entity]
    passages: list[Passage]
    vectors: "object"  # numpy float32 array, one row per passage, L2-normalised
    model: str

    @property
    def people(self) -> list[Entity]:
        return [e for e in self.entities if e.kind == "person"]

    @property
    def countries(self) -> list[Entity]:
        return [e for e in self.entities if e.kind == "country"]

    def keys(self, facet: str, scope: str) -> list[str]:
        """The keys of `facet` ("people" or "countries") in `scope`."""
        kind = "person" if facet == "people" else "country"
        return [e.key for e in self.entities
                if e.kind == kind and (scope == "mentioned" or e.about)]


@dataclass
class SearchRequest:
    q: str = ""
    mode: str = "hybrid"
    people: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = 1
    size: int = 10
    facet_size: int = 10
    facets: bool = True  # False skips facet counting (evaluation, API clients that need none)
    sort: str = "relevance"  # or "newest": the same matches, newest first
    # "about": people and countries facets and filters count the articles
    # about them; "mentioned": every article that names them.
    scope: str = "about"
    # Values of one facet are alternatives (any will do) unless `together`:
    # then an article needs every chosen person and every chosen country
    # ("the articles naming both", from an entity page).
    together: bool = False

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}, not {self.scope!r}")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {self.sort!r}")
        self.q = (self.q or "").strip()
        self.page = max(1, int(self.page))
        self.size = min(max(1, int(self.size)), MAX_SIZE)
        self.countries = [c.upper() for c in self.countries]

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def filters(self) -> dict[str, list]:
        return {"people": self.people, "countries": self.countries, "sources": self.sources}


@dataclass
class Span:
    start: int  # offsets into Hit.passage
    end: int
    kind: str  # "term", "person" or "country"
    key: str = ""
    match: bool = False  # an entity that is also a query word


@dataclass
class Hit:
    id: str
    title: str
    published: str | None
    source: str | None
    url: str | None
    score: float
    passage: str
    passage_start: int  # offset of the passage in the body
    spans: list[Span]
    people: list[str]
    countries: list[str]
    title_spans: list[Span] = field(default_factory=list)
    # How the hit matched the query: "words" (keyword side only), "meaning"
    # (semantic side only: none of the words, or not all of them), "both", or
    # "" when there is no query (browsing).
    matched: str = ""


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class SearchResult:
    """`total` is the true number of matching articles under the filters:
    `keyword_total` contain the query's words (as the query layer reads
    them), `semantic_total` more match by meaning only (above the relevance
    floor). `relaxed` is True when too few articles had every word and the
    keyword side fell back to articles with most of them."""

    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    request: SearchRequest
    took_ms: float = 0.0
    warnings: list[str] = field(default_factory=list)
    keyword_total: int = 0
    semantic_total: int = 0
    relaxed: bool = False

    def to_dict(self) -> dict:
        d = asdict(self)
        req = d["request"]
        for k in ("date_from", "date_to"):
            req[k] = req[k].isoformat() if req[k] else None
        return d
