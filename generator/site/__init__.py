"""The site as planned: every page with its URL, template and typed inputs, and the site's own Markdown pages."""
