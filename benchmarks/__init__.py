"""Benchmarks of the board, a move, the summary, the initiative page and the weekly digests.

Run with ``make bench`` (``python -m benchmarks``); ``--check`` exits 1 when a target fails.
See the README's "Performance" section for how to read the table.
"""
