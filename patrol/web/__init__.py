"""Web plumbing: errors, security headers, language and time, htmx, URLs, templates."""
