"""The pure-Python core of evalflow: phases, rules, scoring and calendars.

Nothing in this package imports Flask or SQLAlchemy (a test enforces it). Interfaces translate
the Chinese message templates found here with Flask-Babel; the domain only marks them with ``N_``.
"""
