"""Code shared by the intake service, the workers and the CLI.

Nothing in this package imports from ``services``, ``workers`` or ``cli``.
"""
