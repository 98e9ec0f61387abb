"""Headers every response carries."""
from flask import Flask, Response, current_app, has_request_context, request

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    # Designsystemet draws its icons as data: SVGs.
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # setdefault: a page may ask for less (a personal link's page sends no referrer at all).
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not (has_request_context() and request.endpoint == "static"):
        # Pages, JSON, problems, CSV and XLSX exports and calendar feeds hold personal data:
        # no cache keeps any of them. Only the static files (CSS, scripts, icons) may be kept.
        response.headers.setdefault("Cache-Control", "no-store")
    if current_app.config.get("HSTS_SECONDS"):
        # Production: the browser goes to HTTPS itself, so no first request is sent in clear.
        response.headers.setdefault(
            "Strict-Transport-Security",
            f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains",
        )
    return response


def register(app: Flask) -> None:
    app.after_request(add_security_headers)
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
