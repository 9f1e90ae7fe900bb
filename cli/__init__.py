"""The ``claimcheck`` command line: one entry point for serving, working and checking."""
