"""This code's schema version, importable without SQLAlchemy (cold `jbp select` reads the store without it).

It is the number of steps in `migrations.STEPS`; a test keeps the two equal, so a new step must bump it.
"""

SCHEMA_VERSION = 9
