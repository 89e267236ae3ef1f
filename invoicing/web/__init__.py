"""The web layer: the JSON routes and the pages (one blueprint per concern), request guards,
the error shape, the request log, the API description, and gunicorn's worker."""
