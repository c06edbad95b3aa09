"""The domain base: what every feature's rules build on, with no web request in sight.

- ``errors``: the refusals services raise (``Invalid``, ``Forbidden``, ``Conflict``);
- ``clock``: the one source of "now" and the conversions to the city's time zone;
- ``permissions``: every permission rule, as predicates that say why not;
- ``activity``: the trail (one ``Activity`` row per change, in the change's transaction);
- ``queries``: small query helpers every feature uses (free-text search, row locks);
- ``texts``: the request's translations and date formats, looked up once for pages that write a
  text per row (the board, the summary, digests, the status rule's reasons).
"""
