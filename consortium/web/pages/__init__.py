"""The server-rendered web application: pages for convenors, members and funders (``routes.PAGE_HANDLERS``).

Handlers stay a few lines: they read the form, call the same services as the JSON API and render a template from
``templates/``. ``rendering`` holds the Jinja2 set-up, ``csrf`` the form protection, ``forms`` the form helpers
and ``errorpages`` the friendly error pages.
"""
