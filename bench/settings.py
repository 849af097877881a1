"""The portal's own settings with the benchmark's two yardsticks mounted.

`bench/pages.py` starts gunicorn with DJANGO_SETTINGS_MODULE=bench.settings so
that the trivial view and django-allauth's own login page run in the same
process, middleware and database as the pages they are compared with.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
