"""The query model (archive/query.py) as a tantivy query, for the embedded store.

Each term scores in the title (boosted, as a headline word says more) and
the body, as tantivy's own parser would with the same field boosts; a
phrase is a phrase query in each field.
"""
from __future__ import annotations

from archive.query import Query, Term

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
    """The keyword query: every group required (a short query), or, relaxed,
    any one of the words while phrases still bind; a long query needs every
    term, or, relaxed, min_match of them. None when there is nothing to look for (or,
    relaxed, nothing to relax)."""
    import tantivy

    Must, Should, MustNot = tantivy.Occur.Must, tantivy.Occur.Should, tantivy.Occur.MustNot
    phrases = [g for g in q.groups if len(g) == 1 and g[0].quoted]
    words = [g for g in q.groups if not (len(g) == 1 and g[0].quoted)]
    clauses = [(Must, _any(schema, g)) for g in phrases]
    if q.long and relaxed:
        clauses.append((Must, tantivy.Query.boolean_query(
            [(Should, _term(schema, t)) for t in q.optional],
            minimum_number_should_match=q.min_match())))
    elif q.long:
        clauses += [(Must, _term(schema, t)) for t in q.optional]
    elif relaxed:
        if len(words) < 2:
            return None
        clauses.append((Must, tantivy.Query.boolean_query(
            [(Should, _any(schema, g)) for g in words])))
    else:
        clauses += [(Must, _any(schema, g)) for g in words]
    if not q.long:
        clauses += [(Should, _term(schema, t)) for t in q.optional]
    if not clauses:
        if not q.excluded:
            return None
        clauses.append((Must, tantivy.Query.all_query()))
    clauses += [(MustNot, _term(schema, t)) for t in q.excluded]
    return tantivy.Query.boolean_query(clauses)


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
