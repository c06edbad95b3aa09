"""The rules that judge an initiative: outcome progress, status, and stage gates.

Each rule lives in one module here and is a plain function over plain facts, so the board, the
initiative page, the digests and the summary all judge alike, and the rules are unit-tested
without a database.
"""
