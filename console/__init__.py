"""The librarian's web console at /admin: aiohttp views, Jinja2 templates, vendored static files."""
