"""The query model (archive/query.py) as a tantivy query, for the embedded store.

Each term scores in the title (boosted, as a headline word says more) and
the body, as tantivy's own parser would with the same field boosts; a
phrase is a phrase query in each field.
"""
from __future__ import annotations

from archive.query import Query, Term, clauses

TITLE_BOOST = 2.0
FIELDS = (("title", TITLE_BOOST), ("body", 1.0))


def _term(schema, term: Term):
    import tantivy

    clauses = []
    for name, boost in FIELDS:
        if term.phrase:
            q = tantivy.Query.phrase_query(schema, name, list(term.tokens))
        else:
            q = tantivy.Query.term_query(schema, name, term.tokens[0], index_option="freq")
        if boost != 1.0:
            q = tantivy.Query.boost_query(q, boost)
        clauses.append((tantivy.Occur.Should, q))
    return tantivy.Query.boolean_query(clauses)


def _any(schema, terms):
    import tantivy

    if len(terms) == 1:
        return _term(schema, terms[0])
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, _term(schema, t)) for t in terms])


def build(schema, q: Query, relaxed: bool = False):
    """The keyword query (archive/query.py's `clauses`), or None."""
    import tantivy

    c = clauses(q, relaxed)
    if c is None:
        return None
    Must, Should, MustNot = tantivy.Occur.Must, tantivy.Occur.Should, tantivy.Occur.MustNot
    out = [(Must, _any(schema, g)) for g in c.required]
    if c.share:
        out.append((Must, tantivy.Query.boolean_query(
            [(Should, _any(schema, g)) for g in c.share],
            minimum_number_should_match=c.share_needs)))
    out += [(Should, _term(schema, t)) for t in c.ranking]
    if c.everything:
        out.append((Must, tantivy.Query.all_query()))
    out += [(MustNot, _term(schema, t)) for t in c.excluded]
    return tantivy.Query.boolean_query(out)


def constraint(schema, q: Query):
    """What binds every match, meaning matches included, as (required,
    excluded): a query every match must meet (the phrases) and one no match
    may meet (any excluded word); either None. Apart, because the store
    takes every article each one finds, and "all but the excluded" would be
    nearly the whole archive."""
    import tantivy

    required = excluded = None
    if q.phrases:
        required = tantivy.Query.boolean_query([(tantivy.Occur.Must, _term(schema, t))
                                                for t in q.phrases])
    if q.excluded:
        excluded = _any(schema, list(q.excluded))
    return required, excluded
